package proxy

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/sluicegate/sluicegate/model"
)

// Error types the proxy records and sends for failures it classifies
// (API.md §2 "Errors the proxy itself makes"). Classify returns one of them.
const (
	// ErrTypeConnect: no usable connection or no response headers
	// (refused, DNS, TLS, reset before headers, write error) → 502.
	ErrTypeConnect = "upstream_connect_error"
	// ErrTypeTimeout: connect or response-header timeout → 504.
	ErrTypeTimeout = "upstream_timeout"
	// ErrTypeStream: the upstream failed after its headers (reset,
	// truncated body) → 502, logged; the client sees a broken stream.
	ErrTypeStream = "upstream_stream_error"
	// ErrTypeIdle: no body byte for stream_idle_timeout_secs → 504, logged.
	ErrTypeIdle = "upstream_idle_timeout"
	// ErrTypeClientClosed: the client went away first → 499, log only.
	ErrTypeClientClosed = "client_closed_request"
)

var (
	errBadBaseURL = errors.New("base_url must be an absolute http:// or https:// URL")
	// errStreamIdle is the cancel cause when a body stalls past the
	// provider's stream idle timeout.
	errStreamIdle = errors.New("no data from upstream within the stream idle timeout")
	errBadPath    = errors.New("path must start with /v1/")
)

// midStreamError marks a failure that happened after the upstream's
// response headers arrived, so Classify can tell it from a connect error.
type midStreamError struct{ err error }

func (e *midStreamError) Error() string { return "upstream body: " + e.err.Error() }
func (e *midStreamError) Unwrap() error { return e.err }

// Classify maps an upstream error to the status and error type the proxy
// reports. ctx is the caller's context (the client request's, or a health
// probe's). It is the one place where 499, 502 and 504 are decided, in
// this order (after Caddy's statusError):
//
//   - the caller cancelled → 499 client_closed_request: nobody is waiting,
//     whatever the transport said afterwards;
//   - a stalled body (stream idle timeout) → 504 upstream_idle_timeout;
//   - the caller's own deadline passed → 504 upstream_timeout;
//   - any timeout: a dial timeout (a net.Error timeout, so a connect
//     timeout is a 504 as API.md asks, not a "connect failure"), TLS
//     handshake or response-header timeout → 504 upstream_timeout
//     (upstream_idle_timeout once the body had started);
//   - a failure after the headers → 502 upstream_stream_error;
//   - everything else (refused, DNS, TLS, reset, write error) → 502
//     upstream_connect_error.
func Classify(ctx context.Context, err error) (status int, errType string) {
	if ctx != nil && errors.Is(ctx.Err(), context.Canceled) {
		return model.StatusClientClosed, ErrTypeClientClosed
	}
	if errors.Is(err, errStreamIdle) {
		return http.StatusGatewayTimeout, ErrTypeIdle
	}
	var mid *midStreamError
	midStream := errors.As(err, &mid)
	if (ctx != nil && ctx.Err() != nil) || isTimeout(err) {
		if midStream {
			return http.StatusGatewayTimeout, ErrTypeIdle
		}
		return http.StatusGatewayTimeout, ErrTypeTimeout
	}
	if midStream {
		return http.StatusBadGateway, ErrTypeStream
	}
	return http.StatusBadGateway, ErrTypeConnect
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// UpstreamConfig tunes the upstream client. The zero value is right for
// production.
type UpstreamConfig struct {
	// DialContext replaces the TCP dialer (tests use it to simulate hosts
	// that never answer). The provider's connect timeout is applied around
	// it through the context.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// TLSClientConfig is the TLS configuration for https providers; nil
	// means the system roots.
	TLSClientConfig *tls.Config
	// Proxy picks an HTTP proxy for a request; nil means the environment's
	// (HTTPS_PROXY etc., never for loopback hosts).
	Proxy func(*http.Request) (*url.URL, error)
	// MaxIdleConnsPerHost bounds the keep-alive pool per upstream host;
	// 0 means 512.
	MaxIdleConnsPerHost int
}

// Upstream is the HTTP client for providers: one pooled transport per
// distinct (connect timeout, header timeout) pair, credentials, custom
// headers and URL rules. The proxy handler and health checks share it, so
// a probe travels exactly the path proxied traffic does.
type Upstream struct {
	cfg        UpstreamConfig
	transports sync.Map // transportKey → *http.Transport
}

type transportKey struct{ connect, header time.Duration }

// NewUpstream returns an Upstream. It opens nothing until the first call.
func NewUpstream(cfg UpstreamConfig) *Upstream {
	if cfg.MaxIdleConnsPerHost <= 0 {
		// Many concurrent streams to few hosts: a generous idle pool per
		// host avoids a new TCP (and TLS) handshake per request, which is
		// where a default http.Transport (2 idle per host) loses.
		cfg.MaxIdleConnsPerHost = 512
	}
	return &Upstream{cfg: cfg}
}

// CloseIdleConnections closes the keep-alive connections of every
// transport (for shutdown).
func (u *Upstream) CloseIdleConnections() {
	u.transports.Range(func(_, v any) bool {
		v.(*http.Transport).CloseIdleConnections()
		return true
	})
}

func (u *Upstream) transport(connect, header time.Duration) *http.Transport {
	k := transportKey{connect, header}
	if t, ok := u.transports.Load(k); ok {
		return t.(*http.Transport)
	}
	dial := u.cfg.DialContext
	if dial == nil {
		dial = (&net.Dialer{KeepAlive: 30 * time.Second}).DialContext
	}
	proxyFn := u.cfg.Proxy
	if proxyFn == nil {
		proxyFn = http.ProxyFromEnvironment
	}
	t := &http.Transport{
		Proxy: proxyFn,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			ctx, cancel := context.WithTimeout(ctx, connect)
			defer cancel()
			return dial(ctx, network, addr)
		},
		TLSClientConfig:     u.cfg.TLSClientConfig,
		TLSHandshakeTimeout: connect,
		// HTTP/2 when a TLS upstream offers it (custom DialContext would
		// otherwise turn it off).
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          0, // no global cap; the per-host cap bounds it
		MaxIdleConnsPerHost:   u.cfg.MaxIdleConnsPerHost,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: header,
		// The client's Accept-Encoding goes upstream as sent, and the
		// compressed answer comes back compressed: never decompress.
		DisableCompression: true,
		ReadBufferSize:     16 << 10,
		WriteBufferSize:    16 << 10,
	}
	if v, loaded := u.transports.LoadOrStore(k, t); loaded {
		return v.(*http.Transport)
	}
	return t
}

// Do sends one request to provider p exactly as the proxy would forward a
// client's: path is the client-facing path ("/v1/chat/completions",
// "/v1/messages", optionally with "?query"), mapped to the provider's
// base_url; the provider's credentials, anthropic-version default, custom
// headers and timeouts apply. A non-nil body is sent as JSON. The caller
// closes the response body; errors are for Classify.
func (u *Upstream) Do(ctx context.Context, p *model.Provider, method, path string, body []byte) (*http.Response, error) {
	cp := compileProvider(p, 0)
	if cp.baseErr != nil {
		return nil, cp.baseErr
	}
	path, rawQuery, _ := strings.Cut(path, "?")
	if !strings.HasPrefix(path, "/v1/") {
		return nil, errBadPath
	}
	var h http.Header
	if body != nil {
		h = http.Header{"Content-Type": {"application/json"}}
	}
	return u.send(ctx, &outbound{p: cp, method: method, path: path, rawQuery: rawQuery, in: h, body: body})
}

// outbound is one request to forward.
type outbound struct {
	p        *upProvider
	method   string
	path     string // client-facing, decoded, starting with /v1/
	rawPath  string // client-facing, escaped form when it differs
	rawQuery string
	in       http.Header // client headers; never modified
	local    [][]byte    // the local access keys, never sent upstream
	body     []byte
	// translated: body is a translation of the client's, in the
	// provider's dialect (see translatedHeader).
	translated bool
}

// upstreamURL maps a client path to the provider's: openai base URLs end
// in /v1 already (as an OpenAI SDK's would), anthropic ones do not.
func (o *outbound) upstreamURL() *url.URL {
	p := o.p
	suffix, rawSuffix := o.path, o.rawPath
	if !p.anthropic {
		suffix = strings.TrimPrefix(suffix, "/v1")
		rawSuffix = strings.TrimPrefix(rawSuffix, "/v1")
	}
	u := &url.URL{Scheme: p.scheme, Host: p.host, Path: p.basePath + suffix, RawQuery: o.rawQuery}
	if rawSuffix != "" {
		// Only kept by url.URL when it is a valid encoding of Path.
		u.RawPath = p.basePath + rawSuffix
	}
	return u
}

func (u *Upstream) send(ctx context.Context, o *outbound) (*http.Response, error) {
	p := o.p
	req := &http.Request{
		Method:     o.method,
		URL:        o.upstreamURL(),
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     upstreamHeader(o),
		Host:       p.host,
	}
	if len(o.body) > 0 || o.method == http.MethodPost {
		body := o.body
		req.ContentLength = int64(len(body))
		req.Body = io.NopCloser(bytes.NewReader(body))
		// GetBody lets the transport resend on a keep-alive connection the
		// server closed before reading anything.
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		if len(body) == 0 {
			req.Body = http.NoBody
		}
	}
	return u.transport(p.connect, p.header).RoundTrip(req.WithContext(ctx))
}

// credentialHeaders are the request headers a client may put an API key
// in: the OpenAI, Anthropic and Azure OpenAI forms.
var credentialHeaders = map[string]bool{"Authorization": true, "X-Api-Key": true, "Api-Key": true}

// withoutLocalKeys returns vv without the values that carry a local access
// key (as is, or as "Bearer KEY"). It returns vv itself when none does, so
// the usual case allocates nothing.
func withoutLocalKeys(name string, vv []string, local [][]byte) []string {
	isLocal := func(v string) bool {
		v = strings.TrimSpace(v)
		if name == "Authorization" && len(v) > 7 && strings.EqualFold(v[:7], "bearer ") {
			v = strings.TrimSpace(v[7:])
		}
		return matchesKey(local, v)
	}
	for i, v := range vv {
		if !isLocal(v) {
			continue
		}
		out := append([]string(nil), vv[:i]...)
		for _, w := range vv[i+1:] {
			if !isLocal(w) {
				out = append(out, w)
			}
		}
		return out
	}
	return vv
}

// hopHeaders are hop-by-hop (RFC 9110 §7.6.1, plus the legacy ones
// httputil.ReverseProxy drops): never forwarded in either direction.
var hopHeaders = map[string]bool{
	"Connection":          true,
	"Proxy-Connection":    true,
	"Keep-Alive":          true,
	"Proxy-Authenticate":  true,
	"Proxy-Authorization": true,
	"Te":                  true,
	"Trailer":             true,
	"Transfer-Encoding":   true,
	"Upgrade":             true,
}

// upstreamHeader builds the upstream request's headers from the client's:
// hop-by-hop, Content-Length (recomputed), Host and Expect (the body is
// already read) dropped; the client's credentials dropped when the
// provider has its own key, and the local access key always, from every
// credential header that carries it; then the provider's auth,
// anthropic-version default and custom headers.
func upstreamHeader(o *outbound) http.Header {
	p := o.p
	h := make(http.Header, len(o.in)+len(p.headers)+2)
	for k, vv := range o.in {
		if hopHeaders[k] || k == "Content-Length" || k == "Host" || k == "Expect" {
			continue
		}
		if p.authName != "" && (k == "Authorization" || k == "X-Api-Key") {
			continue
		}
		if o.translated && dropWhenTranslated(k, p.anthropic) {
			continue
		}
		if len(o.local) > 0 && credentialHeaders[k] {
			// A client may send the local key in several headers at once
			// (an SDK's Authorization plus a tool's x-api-key): each one
			// carrying it is dropped, while a different credential (the
			// client's own upstream key) passes.
			if vv = withoutLocalKeys(k, vv, o.local); len(vv) == 0 {
				continue
			}
		}
		h[k] = vv // shared, never mutated
	}
	if c := o.in["Connection"]; len(c) > 0 {
		for _, v := range c {
			for _, f := range strings.Split(v, ",") {
				delete(h, textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(f)))
			}
		}
	}
	if _, ok := h["User-Agent"]; !ok {
		// An empty value stops net/http from adding its own User-Agent: the
		// upstream sees what the client sent, or nothing.
		h["User-Agent"] = []string{""}
	}
	if o.translated {
		translatedHeader(h, p)
	}
	if p.authName != "" {
		h[p.authName] = []string{p.authValue}
	}
	if p.anthropic {
		if _, ok := h["Anthropic-Version"]; !ok {
			h["Anthropic-Version"] = []string{"2023-06-01"}
		}
	}
	for _, kv := range p.headers {
		h[kv[0]] = []string{kv[1]}
	}
	return h
}

// dropWhenTranslated reports whether client header k stays behind when
// the request is translated for a provider of the other dialect: the
// client's dialect's own headers (anthropic-version, anthropic-beta; the
// OpenAI organization, project and beta headers) mean nothing there, and
// the body Sluicegate sends is its own JSON (its encoding and type are
// set by translatedHeader).
func dropWhenTranslated(k string, toAnthropic bool) bool {
	switch k {
	case "Accept-Encoding", "Content-Encoding", "Content-Type":
		return true
	}
	if toAnthropic {
		return k == "Openai-Organization" || k == "Openai-Project" || k == "Openai-Beta"
	}
	return strings.HasPrefix(k, "Anthropic-")
}

// translatedHeader adjusts a translated request's headers: JSON body,
// identity encoding asked (the answer is decoded to be translated), and,
// when the provider has no key of its own and the client's credentials
// pass through, the client's key moved to the provider dialect's auth
// header (x-api-key from Claude Code becomes a Bearer token for an
// OpenAI-compatible server, and the reverse).
func translatedHeader(h http.Header, p *upProvider) {
	h["Content-Type"] = []string{"application/json"}
	h["Accept-Encoding"] = []string{"identity"}
	if p.authName != "" {
		return
	}
	if p.anthropic {
		if _, ok := h["X-Api-Key"]; ok {
			return
		}
		if v := h.Get("Authorization"); len(v) > 7 && strings.EqualFold(v[:7], "bearer ") {
			h["X-Api-Key"] = []string{strings.TrimSpace(v[7:])}
			delete(h, "Authorization")
		}
		return
	}
	if _, ok := h["Authorization"]; ok {
		return
	}
	if v := h.Get("X-Api-Key"); v != "" {
		h["Authorization"] = []string{"Bearer " + v}
		delete(h, "X-Api-Key")
	}
}
