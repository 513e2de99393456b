package proxy

import (
	"crypto/subtle"
	"encoding/json"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/sluicegate/sluicegate/model"
)

// DefaultMaxBodyBytes is the request body limit when Settings leaves it 0:
// large enough for a few base64 images in one request, small enough that a
// runaway client cannot exhaust memory.
const DefaultMaxBodyBytes = 50 << 20

// DefaultMaxBufferedBytes is the total of request bodies buffered at once
// when Settings leaves it 0.
const DefaultMaxBufferedBytes = 256 << 20

// DefaultBodyReadTimeout is the request body read deadline when Settings
// leaves it 0.
const DefaultBodyReadTimeout = 60 * time.Second

// Settings are the proxy-relevant global settings.
type Settings struct {
	// ProxyKeys are the local access keys. Empty means the proxy is open.
	ProxyKeys []string
	// MaxBodyBytes bounds a request body; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// MaxBufferedBytes bounds the total of request bodies held in memory
	// at once across all requests; 0 means DefaultMaxBufferedBytes.
	MaxBufferedBytes int64
	// LogBodies captures request and response bodies (their first 64 KiB)
	// for the request log; headers are captured (redacted) either way.
	LogBodies bool
	// BodyReadTimeout bounds the time reading one request body may take,
	// against clients that trickle it; 0 means DefaultBodyReadTimeout.
	BodyReadTimeout time.Duration

	// timeUnit is what one "second" of a provider timeout lasts; 0 means
	// time.Second. Only the package's tests shorten it, so that timeout
	// behaviour is proven in milliseconds.
	timeUnit time.Duration
}

// Routes gives the handler the current route table. The service keeps an
// atomic pointer and rebuilds the table on every change, so a request takes
// no lock and makes no query. Table must not return nil (a nil table would
// be served as an empty one anyway).
type Routes interface {
	Table() *Table
}

// Table is an immutable routing snapshot built by NewTable. A *Table is
// itself a Routes that always returns itself, for tests and fixed setups.
type Table struct {
	aliases  map[string]*entry      // exact alias → entry, enabled providers only
	patterns []*entry               // pattern entries, longest prefix first ("*" last)
	entries  []*entry               // every entry in order of first appearance
	byKey    map[string]*upProvider // provider key → provider, enabled only
	disabled map[string]string      // alias or key → key of the disabled provider
	// disabledPatterns are the patterns of disabled providers, only to
	// name them in the 404 message.
	disabledPatterns [][2]string // {prefix, key}
	proxyKeys        [][]byte
	maxBody          int64
	maxBuffer        int64         // total of bodies buffered at once
	bodyTime         time.Duration // body read deadline
	logBodies        bool          // capture bodies for the request log
	modelsJSON       []byte        // GET /v1/models answer, built once
	modelJSON        map[string][]byte
	// The same in Anthropic's shape only, for a request that carries
	// anthropic-version (the Anthropic SDK's models.list, Claude Code).
	anthropicModelsJSON []byte
	anthropicModelJSON  map[string][]byte
	created             map[*upProvider]time.Time // provider's created_at, for models built on the fly
}

// Table implements Routes for a fixed table.
func (t *Table) Table() *Table { return t }

// LiveRoutes is a Routes whose table can be swapped atomically, e.g. by the
// service after each provider or settings change. The zero value serves an
// empty table.
type LiveRoutes struct{ p atomic.Pointer[Table] }

// Store makes t the table for every following request.
func (l *LiveRoutes) Store(t *Table) { l.p.Store(t) }

// Table returns the current table.
func (l *LiveRoutes) Table() *Table { return l.p.Load() }

var emptyTable = NewTable(nil, Settings{})

// modelListed is one GET /v1/models entry: one object that satisfies both
// SDKs' model schemas, OpenAI's (id, object, created, owned_by) and
// Anthropic's (type, id, display_name, created_at); extra fields are
// ignored by both. Patterns add pattern and description.
type modelListed struct {
	ID          string `json:"id"`
	Object      string `json:"object"`
	Created     int64  `json:"created"`
	OwnedBy     string `json:"owned_by"`
	Type        string `json:"type"`
	DisplayName string `json:"display_name"`
	CreatedAt   string `json:"created_at"`
	Pattern     bool   `json:"pattern,omitempty"`
	Description string `json:"description,omitempty"`
}

// anthropicListed is a model in Anthropic's shape only.
type anthropicListed struct {
	Type        string `json:"type"`
	ID          string `json:"id"`
	DisplayName string `json:"display_name"`
	CreatedAt   string `json:"created_at"`
}

// NewTable builds a route table from providers (in their given order) and
// settings. Disabled providers are not routable; their aliases are only
// remembered to say so in the 404 message. The service validates the
// model maps (API.md, "Routing by model"); the table never panics on a map
// that breaks those rules: where two enabled providers claim one alias
// without making it a route group (or the per-dialect pattern pair), the
// first one wins. A provider whose base_url does not parse still gets
// routes: its requests fail with a 502 that names the bad URL, which is
// easier to diagnose than a 404.
func NewTable(providers []model.Provider, s Settings) *Table {
	t := &Table{
		aliases:   make(map[string]*entry),
		byKey:     make(map[string]*upProvider),
		disabled:  make(map[string]string),
		maxBody:   s.MaxBodyBytes,
		maxBuffer: s.MaxBufferedBytes,
		bodyTime:  s.BodyReadTimeout,
		logBodies: s.LogBodies,
		modelJSON: make(map[string][]byte),

		anthropicModelJSON: make(map[string][]byte),
	}
	if t.maxBody <= 0 {
		t.maxBody = DefaultMaxBodyBytes
	}
	if t.maxBuffer <= 0 {
		t.maxBuffer = DefaultMaxBufferedBytes
	}
	if t.bodyTime <= 0 {
		t.bodyTime = DefaultBodyReadTimeout
	}
	for _, k := range s.ProxyKeys {
		if k != "" {
			t.proxyKeys = append(t.proxyKeys, []byte(k))
		}
	}
	created := make(map[*upProvider]time.Time)
	collected := make(map[string]*entry)
	for i := range providers {
		mp := &providers[i]
		if !mp.Enabled {
			if _, dup := t.byKey[mp.Key]; !dup {
				t.disabled[mp.Key] = mp.Key
			}
			for _, m := range mp.Models {
				if prefix, ok := patternPrefix(m.Alias); ok {
					t.disabledPatterns = append(t.disabledPatterns, [2]string{prefix, mp.Key})
					continue
				}
				if _, ok := t.disabled[m.Alias]; !ok {
					t.disabled[m.Alias] = mp.Key
				}
			}
			continue
		}
		p := compileProvider(mp, s.timeUnit)
		if _, dup := t.byKey[p.key]; !dup {
			t.byKey[p.key] = p
		}
		c := mp.CreatedAt
		if c.IsZero() {
			c = time.Unix(0, 0)
		}
		created[p] = c
		for _, m := range mp.Models {
			if m.Alias == "" {
				continue
			}
			e := collected[m.Alias]
			if e == nil {
				e = &entry{alias: m.Alias}
				e.prefix, e.pattern = patternPrefix(m.Alias)
				collected[m.Alias] = e
				t.entries = append(t.entries, e)
			}
			e.add(p, m)
		}
	}
	for _, e := range t.entries {
		e.finish()
		if e.pattern {
			t.patterns = append(t.patterns, e)
		} else {
			t.aliases[e.alias] = e
		}
	}
	// Longest prefix first: the first pattern that matches is the most
	// specific one, and "*" (prefix "") comes last.
	sort.SliceStable(t.patterns, func(i, j int) bool { return len(t.patterns[i].prefix) > len(t.patterns[j].prefix) })
	// A name that an enabled provider serves is never "only on a disabled
	// provider".
	for a := range t.aliases {
		delete(t.disabled, a)
	}
	for k := range t.byKey {
		delete(t.disabled, k)
	}

	var list []modelListed
	var alist []anthropicListed
	for _, e := range t.entries {
		owner := e.members[0].p
		at := created[owner]
		l := modelListed{
			ID: e.alias, Object: "model", Created: at.Unix(), OwnedBy: owner.key,
			Type: "model", DisplayName: e.alias, CreatedAt: at.UTC().Format(time.RFC3339),
		}
		if e.pattern {
			// Patterns are described in the OpenAI shape only: Anthropic's
			// model list has no place for them, and Claude Code would
			// offer "claude-*" as a model to pick.
			l.Pattern, l.Description = true, e.describe()
			list = append(list, l)
			continue
		}
		list = append(list, l)
		t.modelJSON[e.alias], _ = json.Marshal(l)
		a := anthropicListed{Type: "model", ID: e.alias, DisplayName: e.alias, CreatedAt: l.CreatedAt}
		alist = append(alist, a)
		t.anthropicModelJSON[e.alias], _ = json.Marshal(a)
	}
	if list == nil {
		list = []modelListed{}
	}
	first, last := "", ""
	if len(list) > 0 {
		first, last = list[0].ID, list[len(list)-1].ID
	}
	t.modelsJSON, _ = json.Marshal(struct {
		Object  string        `json:"object"`
		Data    []modelListed `json:"data"`
		HasMore bool          `json:"has_more"`
		FirstID string        `json:"first_id"`
		LastID  string        `json:"last_id"`
	}{"list", list, false, first, last})
	if alist == nil {
		alist = []anthropicListed{}
	}
	// Anthropic's first_id/last_id are null for an empty page.
	var afirst, alast *string
	if len(alist) > 0 {
		afirst, alast = &alist[0].ID, &alist[len(alist)-1].ID
	}
	t.anthropicModelsJSON, _ = json.Marshal(struct {
		Data    []anthropicListed `json:"data"`
		HasMore bool              `json:"has_more"`
		FirstID *string           `json:"first_id"`
		LastID  *string           `json:"last_id"`
	}{alist, false, afirst, alast})
	t.created = created
	return t
}

// modelJSONFor answers GET /v1/models/ID: an exact alias' prebuilt entry,
// or, for a name a pattern catches, one built on the fly, so that an SDK's
// models.retrieve works for every model the proxy routes.
func (t *Table) modelJSONFor(id string, anthropic bool) ([]byte, bool) {
	one := t.modelJSON
	if anthropic {
		one = t.anthropicModelJSON
	}
	if b, ok := one[id]; ok {
		return b, true
	}
	e, _, ok := t.matchPattern(id)
	if !ok || id == "" {
		// "" (GET /v1/models/) names no model, even where "*" would
		// catch it.
		return nil, false
	}
	owner := e.members[0].p
	at := t.created[owner]
	var b []byte
	if anthropic {
		b, _ = json.Marshal(anthropicListed{Type: "model", ID: id, DisplayName: id, CreatedAt: at.UTC().Format(time.RFC3339)})
	} else {
		b, _ = json.Marshal(modelListed{ID: id, Object: "model", Created: at.Unix(), OwnedBy: owner.key,
			Type: "model", DisplayName: id, CreatedAt: at.UTC().Format(time.RFC3339)})
	}
	return b, true
}

// disabledProvider names the disabled provider that would serve m, if any.
func (t *Table) disabledProvider(m string) (string, bool) {
	if k, ok := t.disabled[m]; ok {
		return k, true
	}
	if i := strings.IndexByte(m, '/'); i > 0 {
		if k, ok := t.disabled[m[:i]]; ok && k == m[:i] {
			return k, true
		}
	}
	best, key := -1, ""
	for _, dp := range t.disabledPatterns {
		if strings.HasPrefix(m, dp[0]) && len(dp[0]) > best {
			best, key = len(dp[0]), dp[1]
		}
	}
	return key, best >= 0
}

// authorize reports whether the request may use the proxy, and if not,
// the message to refuse it with. With local access keys configured the
// request must carry one. Without any, only this machine may use the
// proxy: on a listener reachable from the network anyone could otherwise
// spend the user's provider credits.
func (t *Table) authorize(r *http.Request) (ok bool, msg string) {
	if len(t.proxyKeys) == 0 {
		if isLocalPeer(r.RemoteAddr) {
			return true, ""
		}
		return false, msgRemoteNoKeys
	}
	if t.checkKey(r.Header) {
		return true, ""
	}
	return false, msgInvalidKey
}

const (
	msgInvalidKey   = "Missing or invalid Sluicegate access key: send one of the proxy_keys configured in Sluicegate as \"Authorization: Bearer KEY\" or \"x-api-key: KEY\"."
	msgRemoteNoKeys = "Sluicegate only accepts requests from this machine while no local access keys are set: to allow other machines, set proxy_keys in Sluicegate's Settings (local access keys) and send one as \"Authorization: Bearer KEY\" or \"x-api-key: KEY\"."
)

// isLocalPeer reports whether a request's RemoteAddr is a loopback
// address. An empty or unparseable one (an in-process request, such as the
// desktop webview's) counts as local.
func isLocalPeer(remoteAddr string) bool {
	if remoteAddr == "" {
		return true
	}
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return true
	}
	return ip.Unmap().IsLoopback()
}

// checkKey reports whether the request carries a valid local access key
// (as "Authorization: Bearer KEY" or "x-api-key: KEY"). With no keys
// configured every request passes.
func (t *Table) checkKey(h http.Header) bool {
	if len(t.proxyKeys) == 0 {
		return true
	}
	if v := h.Get("Authorization"); len(v) > 7 && strings.EqualFold(v[:7], "bearer ") {
		if matchesKey(t.proxyKeys, strings.TrimSpace(v[7:])) {
			return true
		}
	}
	if v := h.Get("X-Api-Key"); v != "" && matchesKey(t.proxyKeys, v) {
		return true
	}
	return false
}

// matchesKey reports whether v is one of keys.
func matchesKey(keys [][]byte, v string) bool {
	match := 0
	for _, k := range keys {
		// Constant time per key, and every key is tried, so a timing probe
		// learns nothing about a key's prefix.
		match |= subtle.ConstantTimeCompare(k, []byte(v))
	}
	return match == 1
}

// upProvider is a provider compiled for the request path: the parsed base
// URL, the auth header, canonical custom headers and timeouts.
type upProvider struct {
	key       string
	anthropic bool
	translate bool // translate requests of the other dialect
	scheme    string
	host      string
	basePath  string // without trailing slash
	baseErr   error  // non-nil when base_url is unusable
	authName  string // canonical header name, "" when the provider has no key
	authValue string
	headers   [][2]string
	connect   time.Duration
	header    time.Duration
	idle      time.Duration
}

func compileProvider(mp *model.Provider, unit time.Duration) *upProvider {
	scale := func(d time.Duration) time.Duration {
		if unit <= 0 {
			return d
		}
		return d / time.Second * unit
	}
	p := &upProvider{
		key:       mp.Key,
		anthropic: mp.Type == model.TypeAnthropic,
		translate: mp.Translate,
		connect:   scale(mp.ConnectTimeout()),
		header:    scale(mp.ResponseHeaderTimeout()),
		idle:      scale(mp.StreamIdleTimeout()),
	}
	u, err := url.Parse(strings.TrimSpace(mp.BaseURL))
	switch {
	case err != nil:
		p.baseErr = err
	case (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		p.baseErr = errBadBaseURL
	default:
		p.scheme, p.host, p.basePath = u.Scheme, u.Host, strings.TrimRight(u.Path, "/")
	}
	if mp.APIKey != "" {
		if p.anthropic {
			p.authName, p.authValue = "X-Api-Key", mp.APIKey
		} else {
			p.authName, p.authValue = "Authorization", "Bearer "+mp.APIKey
		}
	}
	for k, v := range mp.Headers {
		p.headers = append(p.headers, [2]string{http.CanonicalHeaderKey(k), v})
	}
	return p
}
