// Package metrics keeps Sluicegate's Prometheus metrics and serves them as
// GET /metrics (API.md §3 "Other").
//
// It subscribes to the same events as the live hub (Publish), so the proxy
// and the health checker stay unaware of it, and it lets the composition
// root register values that other packages own (GaugeFunc, CounterFunc).
// Every metric lives in a registry of its own: nothing touches Prometheus'
// global default registry, so two instances (tests, or an embedding
// program) never collide.
package metrics

import (
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sluicegate/sluicegate/model"
)

// Label values that stand for "no value" or "too many values".
const (
	// LabelNone is the provider of a request no provider was chosen for,
	// and the error source of a request that did not fail.
	LabelNone = "none"
	// LabelOther replaces a model name past the cardinality cap, and any
	// value outside a label's known set.
	LabelOther = "other"
)

// DefaultMaxModels caps the distinct values of the model label. A client
// can send any model name, and each name would otherwise create series
// that live for the process' lifetime: an unbounded label is a memory
// leak. 200 is far above the aliases a desktop user configures.
const DefaultMaxModels = 200

// maxModelLen: a longer model name counts as "other", so one absurd name
// cannot pin kilobytes of label text in every series it creates.
const maxModelLen = 128

// latencyBuckets (seconds) cover LLM calls from a cached loopback answer
// (5 ms) to a long reasoning stream (10 min).
var latencyBuckets = []float64{
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
	1, 2.5, 5, 10, 30, 60, 120, 300, 600,
}

// Metrics is the registry behind /metrics. Its methods are safe for
// concurrent use.
type Metrics struct {
	reg *prometheus.Registry

	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	ttfb     *prometheus.HistogramVec
	health   *prometheus.CounterVec
	failover *prometheus.CounterVec
	circuits *circuitCollector

	maxModels int
	models    sync.Map // model name → struct{}: the names admitted as label values
	modelsMu  sync.Mutex
	nModels   atomic.Int64 // len(models), read without the lock on the fast path
}

// New returns Metrics with a fresh registry holding the request and health
// metrics plus the Go runtime and process collectors.
func New() *Metrics {
	return newMetrics(DefaultMaxModels)
}

func newMetrics(maxModels int) *Metrics {
	m := &Metrics{
		reg:       prometheus.NewRegistry(),
		maxModels: maxModels,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluicegate_requests_total",
			Help: "Proxied requests by provider, model, status class (2xx, 3xx, 4xx, 5xx, 499) and error source (upstream, proxy, none).",
		}, []string{"provider", "model", "status_class", "error_source"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sluicegate_request_duration_seconds",
			Help:    "Latency of proxied requests, from arrival to the last byte, by provider.",
			Buckets: latencyBuckets,
		}, []string{"provider"}),
		ttfb: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sluicegate_request_ttfb_seconds",
			Help:    "Time to the first upstream byte of proxied requests that got an upstream answer, by provider.",
			Buckets: latencyBuckets,
		}, []string{"provider"}),
		health: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluicegate_health_checks_total",
			Help: "Finished provider health checks by provider and status.",
		}, []string{"provider", "status"}),
		failover: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluicegate_failovers_total",
			Help: "Attempts a route group passed on to its next member, by provider and reason (connect: no connection; timeout: no response headers in time; status: a failover_on status).",
		}, []string{"provider", "reason"}),
		circuits: newCircuitCollector(),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.duration, m.ttfb, m.health, m.failover, m.circuits,
	)
	return m
}

// Publish records an event. It never blocks on I/O and ignores events it
// does not count, so it can sit on the hot path of every proxied request.
func (m *Metrics) Publish(ev model.Event) {
	switch ev.Type {
	case model.EventRequestFinished:
		switch e := ev.Data.(type) {
		case model.LogEntry:
			m.requestFinished(&e)
		case *model.LogEntry:
			if e != nil {
				m.requestFinished(e)
			}
		}
	case model.EventHealthFinished:
		switch r := ev.Data.(type) {
		case model.CheckResult:
			m.healthFinished(&r)
		case *model.CheckResult:
			if r != nil {
				m.healthFinished(r)
			}
		}
	}
}

func (m *Metrics) requestFinished(e *model.LogEntry) {
	provider := providerLabel(e.ProviderKey)
	source := errorSourceLabel(e.ErrorSource)
	m.requests.WithLabelValues(provider, m.modelLabel(e.Model), statusClass(e.Status), source).Inc()
	m.duration.WithLabelValues(provider).Observe(msToSeconds(e.LatencyMs))
	// A request that never got an upstream answer (a proxy error, or a
	// client that left before the first byte) has TTFBMs 0 meaning "none",
	// not "instant": observing it would drag the histogram towards zero.
	noAnswer := source == model.ErrorSourceProxy || e.Status == model.StatusClientClosed
	if e.TTFBMs > 0 || !noAnswer {
		m.ttfb.WithLabelValues(provider).Observe(msToSeconds(e.TTFBMs))
	}
	// An attempt whose id differs from the client's request id was passed
	// over: the client got a later member's response.
	if e.ClientRequestID != "" && e.ClientRequestID != e.ID {
		m.failover.WithLabelValues(provider, failoverReason(e.ErrorType)).Inc()
	}
}

// Error types of the proxy's no-response failures (proxy.ErrTypeConnect
// and proxy.ErrTypeTimeout; metrics does not import proxy).
const (
	errTypeConnect = "upstream_connect_error"
	errTypeTimeout = "upstream_timeout"
)

// failoverReason is the reason label of a passed-over attempt: no
// connection, no response in time, or else a failover_on status.
func failoverReason(errorType string) string {
	switch errorType {
	case errTypeConnect:
		return "connect"
	case errTypeTimeout:
		return "timeout"
	}
	return "status"
}

func (m *Metrics) healthFinished(r *model.CheckResult) {
	m.health.WithLabelValues(providerLabel(r.ProviderKey), healthStatusLabel(r.Status)).Inc()
}

// modelLabel admits the first maxModels distinct names as label values and
// maps every later one to "other".
func (m *Metrics) modelLabel(name string) string {
	if name == "" {
		return LabelNone
	}
	if _, ok := m.models.Load(name); ok {
		return name
	}
	// Checked before taking the lock: once the cap is reached, unknown
	// names cost one map lookup and one atomic load.
	if int(m.nModels.Load()) >= m.maxModels || len(name) > maxModelLen || !utf8.ValidString(name) {
		// Prometheus panics on a label value that is not UTF-8.
		return LabelOther
	}
	m.modelsMu.Lock()
	defer m.modelsMu.Unlock()
	if _, ok := m.models.Load(name); ok {
		return name
	}
	if int(m.nModels.Load()) >= m.maxModels {
		return LabelOther
	}
	m.models.Store(name, struct{}{})
	m.nModels.Add(1)
	return name
}

func providerLabel(key string) string {
	if key == "" {
		return LabelNone
	}
	if !utf8.ValidString(key) {
		return LabelOther
	}
	return key
}

func errorSourceLabel(src *string) string {
	if src == nil {
		return LabelNone
	}
	switch *src {
	case model.ErrorSourceUpstream, model.ErrorSourceProxy:
		return *src
	case "":
		return LabelNone
	}
	return LabelOther
}

func healthStatusLabel(s string) string {
	switch s {
	case model.HealthHealthy, model.HealthDegraded, model.HealthUnhealthy, model.HealthDisabled, model.HealthUnknown:
		return s
	}
	return LabelOther
}

// statusClass maps a logged status to the class used by /admin/v1/stats;
// 499 (client closed) is its own class, not a client error of the proxy.
func statusClass(status int) string {
	switch {
	case status == model.StatusClientClosed:
		return strconv.Itoa(model.StatusClientClosed)
	case status >= 200 && status < 300:
		return "2xx"
	case status >= 300 && status < 400:
		return "3xx"
	case status >= 400 && status < 500:
		return "4xx"
	case status >= 500 && status < 600:
		return "5xx"
	}
	// 1xx and garbage never end a proxied request; keep the label bounded.
	return LabelOther
}

func msToSeconds(ms int64) float64 {
	if ms < 0 {
		ms = 0
	}
	return float64(ms) / 1000
}

// GaugeFunc registers a gauge whose value fn returns at scrape time; fn
// must be safe for concurrent use and fast. A duplicate or invalid name is
// a programming error of the composition root and panics.
func (m *Metrics) GaugeFunc(name, help string, fn func() float64) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, fn))
}

// CounterFunc registers a counter whose value fn returns at scrape time;
// the value must never decrease. Like GaugeFunc, it panics on a duplicate
// or invalid name.
func (m *Metrics) CounterFunc(name, help string, fn func() float64) {
	m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, fn))
}

// Handler serves the registry in the Prometheus exposition formats.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		// A failing collector (say, /proc unreadable) should not hide
		// the request metrics.
		ErrorHandling: promhttp.ContinueOnError,
	})
}
