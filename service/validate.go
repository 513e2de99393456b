package service

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sluicegate/sluicegate/model"
)

// Ranges of provider fields (API.md §3 "Providers").
const (
	maxKeyLen        = 64
	maxNameLen       = 200
	maxAPIKeyLen     = 4096
	maxModelNameLen  = 256
	maxModels        = 1000
	maxHeaders       = 50
	maxHeaderValLen  = 4096
	minConnectSecs   = 1
	maxConnectSecs   = 300
	minHeaderSecs    = 1
	maxHeaderSecs    = 3600
	minIdleSecs      = 1
	maxIdleSecs      = 3600
	minIntervalSecs  = 30 // more often would spend the user's quota on probes
	maxIntervalSecs  = 86400
	maskPrefix       = "…"
	maskedKeyMessage = "looks like a masked key (it starts with …); send the real key, or leave the field out to keep the stored one"
)

// headerNotAllowed are headers a provider may not set: they belong to the
// connection or to the body framing the proxy controls.
var headerNotAllowed = map[string]bool{
	"Host": true, "Content-Length": true, "Transfer-Encoding": true, "Connection": true,
	"Keep-Alive": true, "Upgrade": true, "Te": true, "Trailer": true, "Proxy-Connection": true,
	"Proxy-Authorization": true, "Content-Type": true,
}

// validateProvider checks every field of p; the error names the first
// field at fault and what is allowed.
func validateProvider(p *model.Provider) error {
	if err := validateKey(p.Key); err != nil {
		return err
	}
	if utf8.RuneCountInString(p.Name) > maxNameLen || hasControl(p.Name) {
		return model.Invalid("name", "must be at most %d characters, without control, zero-width or bidirectional-control characters", maxNameLen)
	}
	if p.Type != model.TypeOpenAI && p.Type != model.TypeAnthropic {
		return model.Invalid("type", "must be \"openai\" or \"anthropic\", got %q", p.Type)
	}
	if err := validateBaseURL(p.BaseURL, p.Type); err != nil {
		return err
	}
	if err := validateSecret("api_key", p.APIKey); err != nil {
		return err
	}
	if err := validateModels(p.Models); err != nil {
		return err
	}
	if err := validateHeaders(p.Headers); err != nil {
		return err
	}
	for _, r := range []struct {
		field     string
		v, lo, hi int
	}{
		{"connect_timeout_secs", p.ConnectTimeoutSecs, minConnectSecs, maxConnectSecs},
		{"response_header_timeout_secs", p.ResponseHeaderTimeoutSecs, minHeaderSecs, maxHeaderSecs},
		{"stream_idle_timeout_secs", p.StreamIdleTimeoutSecs, minIdleSecs, maxIdleSecs},
	} {
		if r.v < r.lo || r.v > r.hi {
			return model.Invalid(r.field, "must be %d..%d seconds, got %d", r.lo, r.hi, r.v)
		}
	}
	if v := p.HealthCheckIntervalSecs; v != 0 && (v < minIntervalSecs || v > maxIntervalSecs) {
		return model.Invalid("health_check_interval_secs", "must be 0 (off) or %d..%d seconds, got %d", minIntervalSecs, maxIntervalSecs, v)
	}
	return nil
}

func validateKey(k string) error {
	const rule = "must be 1..64 characters of a-z, 0-9, - and _, starting with a letter or digit"
	if k == "" || len(k) > maxKeyLen {
		return model.Invalid("key", "%s; got %q", rule, k)
	}
	for i, c := range k {
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || (i > 0 && (c == '-' || c == '_'))
		if !ok {
			return model.Invalid("key", "%s; got %q", rule, k)
		}
	}
	return nil
}

// endpointSuffixes are API endpoint paths that a base URL must not end
// in (the proxy appends them itself), longest first so that
// /chat/completions is found before /completions.
var endpointSuffixes = []string{"/chat/completions", "/completions", "/embeddings", "/messages"}

// validateBaseURL checks raw as the base URL of a provider of type typ.
func validateBaseURL(raw string, typ model.ProviderType) error {
	const what = "must be an absolute http:// or https:// URL such as https://api.openai.com/v1"
	u, err := url.Parse(raw)
	if err == nil && u.User != nil {
		// Credentials in a URL end up in logs (and would be echoed right
		// here); they belong in api_key.
		return model.Invalid("base_url", "must not contain credentials (user:password@); put the key in api_key")
	}
	if raw == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" {
		return model.Invalid("base_url", "%s; got %q", what, raw)
	}
	// ContainsAny also catches an empty "?" or "#", which url.Parse drops.
	if u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(raw, "?#") {
		return model.Invalid("base_url", "must not have a query or fragment; got %q", raw)
	}
	if hasControl(raw) {
		return model.Invalid("base_url", "must not contain control, zero-width or bidirectional-control characters; got %q", raw)
	}
	if u.Hostname() == "" {
		return model.Invalid("base_url", "%s (a host is missing); got %q", what, raw)
	}
	// url.Parse checks only that a port is digits; the dial would fail
	// later with a message far from the cause.
	if strings.HasSuffix(u.Host, ":") {
		return model.Invalid("base_url", "has an empty port; give a port 1..65535 or none; got %q", raw)
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return model.Invalid("base_url", "port must be 1..65535, got %q", port)
		}
	}
	// A URL copied from an endpoint's documentation is the commonest
	// mistake: the proxy would call .../chat/completions/chat/completions.
	trimmed := strings.TrimRight(raw, "/")
	for _, suf := range endpointSuffixes {
		base, ok := strings.CutSuffix(trimmed, suf)
		if !ok {
			continue
		}
		if typ == model.TypeAnthropic {
			// Anthropic base URLs stop before /v1: the proxy adds
			// /v1/messages itself.
			base = strings.TrimSuffix(base, "/v1")
		}
		return model.Invalid("base_url", "must be the API's base URL, not an endpoint: it ends in %s, which Sluicegate appends itself; use %q", suf, base)
	}
	return nil
}

// validateSecret checks a key that will travel in a header.
func validateSecret(field, v string) error {
	if len(v) > maxAPIKeyLen {
		return model.Invalid(field, "must be at most %d characters", maxAPIKeyLen)
	}
	if strings.HasPrefix(v, maskPrefix) {
		return model.Invalid(field, maskedKeyMessage)
	}
	for _, c := range v {
		if c <= ' ' || unicode.IsControl(c) || invisible(c) {
			return model.Invalid(field, "must not contain spaces, line breaks, control, zero-width or bidirectional-control characters")
		}
	}
	return nil
}

// Route group ranges (API.md §"Routing by model").
const (
	maxPriority   = 1000
	maxFailoverOn = 10
)

func validateModels(ms []model.ModelMapping) error {
	if len(ms) > maxModels {
		return model.Invalid("models", "at most %d models per provider, got %d", maxModels, len(ms))
	}
	seen := make(map[string]int, len(ms))
	for i, m := range ms {
		field := func(name string) string { return fmt.Sprintf("models[%d].%s", i, name) }
		if err := validateModelName(m.Alias); err != nil {
			return model.Invalid(field("alias"), "%v", err)
		}
		if n := strings.Count(m.Alias, "*"); n > 1 || (n == 1 && !m.IsPattern()) {
			return model.Invalid(field("alias"), "a pattern has exactly one * and only at its end (such as claude-*, gpt-4o* or * alone), got %q", m.Alias)
		}
		// An empty upstream stands for the model name as the client sent
		// it (a default route forwards names unchanged).
		if m.Upstream != "" {
			if err := validateModelName(m.Upstream); err != nil {
				return model.Invalid(field("upstream"), "%v", err)
			}
		}
		if n := strings.Count(m.Upstream, "*"); n > 0 {
			if !m.IsPattern() {
				return model.Invalid(field("upstream"), "may contain * only when the alias is a pattern (ends in *), where it stands for the text the alias' * matched; got %q for alias %q", m.Upstream, m.Alias)
			}
			if n > 1 {
				return model.Invalid(field("upstream"), "may contain at most one *, which stands for the text the alias' * matched; got %q", m.Upstream)
			}
		}
		if m.Priority < 0 || m.Priority > maxPriority {
			return model.Invalid(field("priority"), "must be 0 (not in a route group) or 1..%d (lower is tried first), got %d", maxPriority, m.Priority)
		}
		if err := validateFailoverOn(m); err != nil {
			return model.Invalid(field("failover_on"), "%v", err)
		}
		if j, dup := seen[m.Alias]; dup {
			return model.Invalid(field("alias"), "alias %q is already used by models[%d]; each alias maps to one upstream model", m.Alias, j)
		}
		seen[m.Alias] = i
	}
	return nil
}

// validateFailoverOn checks the statuses that pass a request on to the
// next member of m's route group.
func validateFailoverOn(m model.ModelMapping) error {
	if len(m.FailoverOn) == 0 {
		return nil
	}
	if m.Priority == 0 {
		// Without a group there is no next member to pass the request to.
		return fmt.Errorf("needs a priority (1..%d): failover passes a request to the next member of a route group, and this entry is in none", maxPriority)
	}
	if len(m.FailoverOn) > maxFailoverOn {
		return fmt.Errorf("at most %d statuses, got %d", maxFailoverOn, len(m.FailoverOn))
	}
	seen := make(map[int]bool, len(m.FailoverOn))
	for _, code := range m.FailoverOn {
		if code < 400 || code > 599 {
			return fmt.Errorf("statuses must be 400..599 (such as 429, 503, 529), got %d", code)
		}
		if seen[code] {
			return fmt.Errorf("lists %d twice", code)
		}
		seen[code] = true
	}
	return nil
}

func validateModelName(s string) error {
	if s == "" || len(s) > maxModelNameLen {
		return fmt.Errorf("must be 1..%d characters, got %d", maxModelNameLen, len(s))
	}
	if strings.IndexFunc(s, unicode.IsSpace) >= 0 || hasControl(s) {
		return fmt.Errorf("must not contain spaces, control, zero-width or bidirectional-control characters, got %q", s)
	}
	return nil
}

func validateHeaders(h map[string]string) error {
	if len(h) > maxHeaders {
		return model.Invalid("headers", "at most %d headers, got %d", maxHeaders, len(h))
	}
	for name, v := range h {
		field := "headers." + name
		if name == "" || strings.IndexFunc(name, func(r rune) bool { return !isTokenChar(r) }) >= 0 {
			return model.Invalid(field, "%q is not a valid header name (letters, digits and !#$%%&'*+-.^_`|~)", name)
		}
		if headerNotAllowed[http.CanonicalHeaderKey(name)] {
			return model.Invalid(field, "%s is set by the proxy itself and cannot be overridden", http.CanonicalHeaderKey(name))
		}
		if len(v) > maxHeaderValLen || strings.ContainsAny(v, "\r\n\x00") {
			return model.Invalid(field, "value must be at most %d characters on one line", maxHeaderValLen)
		}
		// A tab is legal in a header value (RFC 9110); other controls and
		// invisible characters only hide what is really sent.
		if strings.IndexFunc(v, func(r rune) bool { return r != '\t' && (unicode.IsControl(r) || invisible(r)) }) >= 0 {
			return model.Invalid(field, "value must not contain control, zero-width or bidirectional-control characters")
		}
		// A masked value that matched no stored header of that name (it
		// would have been replaced by the stored value) is a mistake, not
		// a value to send upstream.
		if strings.HasPrefix(v, maskPrefix) {
			return model.Invalid(field, "value looks masked (it starts with …); send the real value, or send back the value a read returned to keep the stored one")
		}
	}
	return nil
}

func isTokenChar(r rune) bool {
	return r < 127 && r > ' ' && !strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r)
}

// hasControl reports control characters and invisible ones (see
// invisible) in s.
func hasControl(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) || invisible(r) }) >= 0
}

// invisible reports characters that change how text looks or reads
// without showing: zero-width characters (U+200B..U+200D, U+2060,
// U+FEFF), bidirectional controls (U+200E, U+200F, U+061C,
// U+202A..U+202E, U+2066..U+2069), the other Unicode format characters
// (Cf) and the line and paragraph separators. In a name or a model alias
// they make two different values look identical (or one look like
// another), so they are refused.
func invisible(r rune) bool {
	return unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029'
}

// mask shows at most the last four characters of a secret, fewer for a
// short one, so a user can tell keys apart without revealing them.
func mask(secret string) string {
	if secret == "" {
		return ""
	}
	r := []rune(secret)
	show := min(4, len(r)/3)
	return maskPrefix + string(r[len(r)-show:])
}
