package live

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/sluicegate/sluicegate/model"
)

// knownTypes are the event types a ?types= filter may name (API.md §3).
var knownTypes = []string{
	model.EventHello,
	model.EventRequestStarted,
	model.EventRequestProgress,
	model.EventRequestFinished,
	model.EventHealthStarted,
	model.EventHealthModel,
	model.EventHealthFinished,
	model.EventProviderChanged,
	model.EventCircuitChanged,
	model.EventDropped,
	model.EventLog,
	model.EventLogsCleared,
}

// filter selects the events one subscriber receives.
type filter struct {
	types      map[string]bool // empty: every type
	errorsOnly bool            // only failed requests and log messages
}

// filterError is a query parameter that names no valid filter.
type filterError struct {
	Field   string
	Message string
}

func (e *filterError) Error() string { return e.Message }

// parseFilter reads ?types=a,b (repeatable) and ?errors=1.
func parseFilter(q url.Values) (filter, error) {
	var f filter
	for _, v := range q["types"] {
		for name := range strings.SplitSeq(v, ",") {
			name = strings.TrimSpace(name)
			if name == "" {
				continue
			}
			if !slices.Contains(knownTypes, name) {
				return filter{}, &filterError{Field: "types", Message: fmt.Sprintf(
					"types: unknown event type %q; allowed: %s", name, strings.Join(knownTypes, ", "))}
			}
			if f.types == nil {
				f.types = make(map[string]bool)
			}
			f.types[name] = true
		}
	}
	switch q.Get("errors") {
	case "", "0", "false":
	case "1", "true":
		f.errorsOnly = true
	default:
		return filter{}, &filterError{Field: "errors", Message: "errors: must be 1 or 0"}
	}
	return f, nil
}

// accepts reports whether the subscriber wants ev.
func (f filter) accepts(ev model.Event) bool {
	switch ev.Type {
	case model.EventHello, model.EventDropped:
		// Protocol messages always pass, whatever the filter.
		return true
	}
	if len(f.types) > 0 && !f.types[ev.Type] {
		return false
	}
	if !f.errorsOnly {
		return true
	}
	switch ev.Type {
	case model.EventLog:
		return true
	case model.EventRequestFinished:
		return failed(ev.Data)
	default:
		return false
	}
}

// failed reports whether a request.finished payload is a failed request.
func failed(data any) bool {
	var e *model.LogEntry
	switch d := data.(type) {
	case model.LogEntry:
		e = &d
	case *model.LogEntry:
		e = d
	}
	return e != nil && (e.Status >= 400 || e.ErrorSource != nil)
}
