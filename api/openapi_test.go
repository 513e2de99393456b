package api

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/sluicegate/sluicegate/model"
	"github.com/sluicegate/sluicegate/service"
)

// loadOpenAPI fetches the document through the guarded handler, as a
// client would, and validates it with kin-openapi.
func loadOpenAPI(t *testing.T, s *stack) *openapi3.T {
	t.Helper()
	r := s.must(http.StatusOK, "GET", "/admin/v1/openapi.json", nil, nil)
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(r.body)
	if err != nil {
		t.Fatalf("load openapi.json: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI 3 document: %v", err)
	}
	return doc
}

// TestOpenAPIDocumentsEveryRoute: the document is valid OpenAPI 3, every
// route in adminRoutes() is documented and every documented operation is
// served.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	doc := loadOpenAPI(t, newStack(t))
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi %q, want 3.x", doc.OpenAPI)
	}
	var registered, documented []string
	for _, rt := range (&handlers{}).adminRoutes() {
		registered = append(registered, rt.method+" "+rt.pattern)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			documented = append(documented, method+" "+path)
			if op.OperationID == "" || op.Responses == nil || op.Responses.Len() == 0 {
				t.Errorf("%s %s: needs an operationId and responses", method, path)
			}
		}
	}
	slices.Sort(registered)
	slices.Sort(documented)
	for _, r := range registered {
		if !slices.Contains(documented, r) {
			t.Errorf("route %s is served but not in openapi.json", r)
		}
	}
	for _, d := range documented {
		if !slices.Contains(registered, d) {
			t.Errorf("openapi.json documents %s, which adminRoutes() does not serve", d)
		}
	}
	if len(registered) != len(documented) {
		t.Errorf("%d routes served, %d documented", len(registered), len(documented))
	}
}

// TestOpenAPIResponsesMatch validates real requests and responses against
// the documented schemas with openapi3filter.
func TestOpenAPIResponsesMatch(t *testing.T) {
	s := newStack(t)
	doc := loadOpenAPI(t, s)
	p := s.create(providerBody("oa", map[string]any{"api_key": "sk-openapi-1234", "headers": map[string]string{"X-A": "1"}}))
	id := fmt.Sprint(p.ID)

	for _, tc := range []struct {
		method, pattern, path string
		body                  any
		status                int
	}{
		{"GET", "/admin/v1/providers/{id}", "/admin/v1/providers/" + id, nil, 200},
		{"GET", "/admin/v1/providers", "/admin/v1/providers", nil, 200},
		{"POST", "/admin/v1/providers", "/admin/v1/providers", providerBody("oa2", map[string]any{"name": "Two", "enabled": false, "health_check_interval_secs": 60}), 201},
		{"POST", "/admin/v1/providers", "/admin/v1/providers", providerBody("oa3", map[string]any{"connect_timeout_secs": 0}), 400},
		{"POST", "/admin/v1/providers", "/admin/v1/providers", providerBody("oa", nil), 409},
		{"PATCH", "/admin/v1/providers/{id}", "/admin/v1/providers/" + id, map[string]any{"name": "Renamed"}, 200},
		{"PUT", "/admin/v1/providers/{id}", "/admin/v1/providers/" + id, providerBody("oa", nil), 200},
		{"GET", "/admin/v1/providers/{id}", "/admin/v1/providers/999", nil, 404},
		{"GET", "/admin/v1/settings", "/admin/v1/settings", nil, 200},
		{"PUT", "/admin/v1/settings", "/admin/v1/settings", map[string]any{"proxy_keys": []string{"pk-123456"}, "max_body_bytes": 4096}, 200},
		{"PUT", "/admin/v1/settings", "/admin/v1/settings", map[string]any{"max_body_bytes": 1}, 400},
		{"GET", "/admin/v1/presets", "/admin/v1/presets", nil, 200},
		{"GET", "/admin/v1/status", "/admin/v1/status", nil, 200},
		{"GET", "/admin/v1/export", "/admin/v1/export?include_keys=1", nil, 200},
		{"POST", "/admin/v1/import", "/admin/v1/import", map[string]any{"version": 1, "providers": []any{providerBody("oa", nil)}}, 200},
		{"DELETE", "/admin/v1/providers/{id}", "/admin/v1/providers/" + id, nil, 204},
	} {
		t.Run(fmt.Sprintf("%s %s %d", tc.method, tc.path, tc.status), func(t *testing.T) {
			item := doc.Paths.Value(tc.pattern)
			if item == nil || item.GetOperation(tc.method) == nil {
				t.Fatalf("%s %s not documented", tc.method, tc.pattern)
			}
			r := s.request(tc.method, tc.path, tc.body)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			var reqBody []byte
			if tc.body != nil {
				reqBody = mustJSON(t, tc.body)
			}
			validateExchange(t, doc, tc.method, tc.pattern, tc.path, reqBody, r)
		})
	}
}

// validateExchange checks one finished exchange against the documented
// operation with openapi3filter: the request (when the server accepted it)
// and the response, status included.
func validateExchange(t *testing.T, doc *openapi3.T, method, pattern, path string, reqBody []byte, r response) {
	t.Helper()
	ctx := context.Background()
	item := doc.Paths.Value(pattern)
	if item == nil || item.GetOperation(method) == nil {
		t.Fatalf("%s %s not documented", method, pattern)
	}
	req, err := http.NewRequest(method, "http://127.0.0.1"+path, bytes.NewReader(reqBody))
	if err != nil {
		t.Fatal(err)
	}
	if reqBody != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	params := map[string]string{}
	// Every path parameter is the last segment of its pattern's path.
	for _, name := range []string{"id", "check_id"} {
		if strings.HasSuffix(pattern, "{"+name+"}") {
			params[name] = req.URL.Path[strings.LastIndexByte(req.URL.Path, '/')+1:]
		}
	}
	if strings.Contains(pattern, "{id}/") {
		// /providers/{id}/health...: the id is the segment after providers/.
		rest := strings.TrimPrefix(req.URL.Path, "/admin/v1/providers/")
		params["id"], _, _ = strings.Cut(rest, "/")
	}
	in := &openapi3filter.RequestValidationInput{
		Request:    req,
		PathParams: params,
		Route:      &routers.Route{Spec: doc, Path: pattern, PathItem: item, Method: method, Operation: item.GetOperation(method)},
		Options:    &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	}
	// Requests the server accepted must also satisfy the documented
	// request schema.
	if r.status < 300 {
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			t.Errorf("%s %s: request does not match openapi.json: %v", method, path, err)
		}
	}
	err = openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 r.status,
		Header:                 r.header,
		Body:                   io.NopCloser(bytes.NewReader(r.body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	})
	if err != nil {
		t.Errorf("%s %s: response does not match openapi.json: %v\nbody %s", method, path, err, r.body)
	}
}

// TestOpenAPISchemasCoverModel: every JSON field of the model types the
// admin API reads and writes is documented in its schema.
func TestOpenAPISchemasCoverModel(t *testing.T) {
	doc := loadOpenAPI(t, newStack(t))
	for schema, typ := range map[string]reflect.Type{
		"Provider":        reflect.TypeFor[model.Provider](),
		"ProviderInput":   reflect.TypeFor[model.ProviderInput](),
		"Settings":        reflect.TypeFor[model.Settings](),
		"SettingsInput":   reflect.TypeFor[model.SettingsInput](),
		"Config":          reflect.TypeFor[model.Config](),
		"ConfigInput":     reflect.TypeFor[model.ConfigInput](),
		"LogEntry":        reflect.TypeFor[model.LogEntry](),
		"LogDetail":       reflect.TypeFor[model.LogDetail](),
		"Stats":           reflect.TypeFor[model.Stats](),
		"ProviderStats":   reflect.TypeFor[model.ProviderStats](),
		"ModelStats":      reflect.TypeFor[model.ModelStats](),
		"Usage":           reflect.TypeFor[model.Usage](),
		"ServerLogRecord": reflect.TypeFor[model.ServerLogRecord](),
		"CheckResult":     reflect.TypeFor[model.CheckResult](),
		"ModelResult":     reflect.TypeFor[model.ModelResult](),
		"RunningCheck":    reflect.TypeFor[model.RunningCheck](),
		"DiscoverInput":   reflect.TypeFor[model.DiscoverInput](),
		"DiscoverResult":  reflect.TypeFor[model.DiscoverResult](),
		"DiscoveredModel": reflect.TypeFor[model.DiscoveredModel](),
		"CircuitState":    reflect.TypeFor[model.CircuitState](),
		"Route":           reflect.TypeFor[service.Route](),
		"RouteMember":     reflect.TypeFor[service.RouteMember](),
		"ResolvedRoute":   reflect.TypeFor[service.ResolvedRoute](),
		"ModelMapping":    reflect.TypeFor[model.ModelMapping](),
	} {
		ref := doc.Components.Schemas[schema]
		if ref == nil || ref.Value == nil {
			t.Errorf("schema %s is missing", schema)
			continue
		}
		// VisibleFields reaches the fields of embedded structs (LogDetail's
		// LogEntry and LogCapture, the stats' StatsFigures), which JSON
		// flattens into the same object.
		for _, f := range reflect.VisibleFields(typ) {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" || name == "-" || f.Anonymous {
				continue
			}
			if _, ok := ref.Value.Properties[name]; !ok {
				t.Errorf("schema %s does not document %s", schema, name)
			}
		}
	}
}
