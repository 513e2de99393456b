package api

import (
	_ "embed"
	"net/http"
)

// openAPIDoc documents every admin route; openapi_test.go holds it to the
// routes actually registered.
//
//go:embed openapi.json
var openAPIDoc []byte

func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPIDoc)
}
