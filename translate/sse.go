package translate

import (
	"bytes"
	"fmt"
)

// maxSSELine bounds one upstream SSE line, so a stream that never sends a newline cannot make
// the translator buffer without limit. 8 MiB is far above any real chunk.
const maxSSELine = 8 << 20

// sseParser splits upstream bytes, cut anywhere, into SSE events (per the WHATWG rules the
// SDKs follow: "field: value" lines, ":" comments, a blank line dispatches).
type sseParser struct {
	buf     []byte // bytes not yet ending in '\n'
	event   string
	data    []byte
	hasData bool
}

// feed consumes p and calls fn for every event it completes.
func (s *sseParser) feed(p []byte, fn func(event string, data []byte) error) error {
	s.buf = append(s.buf, p...)
	start := 0
	for {
		i := bytes.IndexByte(s.buf[start:], '\n')
		if i < 0 {
			break
		}
		line := s.buf[start : start+i]
		start += i + 1
		if err := s.line(line, fn); err != nil {
			return err
		}
	}
	// Keep the incomplete line at the front of buf, reusing its storage.
	n := copy(s.buf, s.buf[start:])
	s.buf = s.buf[:n]
	if len(s.buf) > maxSSELine {
		return fmt.Errorf("SSE line longer than %d bytes", maxSSELine)
	}
	return nil
}

// end handles upstream EOF: a last line without its newline and an event without its blank
// line are still processed (lenient where the spec would discard, since the data is complete).
func (s *sseParser) end(fn func(event string, data []byte) error) error {
	if len(s.buf) > 0 {
		line := s.buf
		s.buf = nil
		if err := s.line(line, fn); err != nil {
			return err
		}
	}
	return s.line(nil, fn)
}

func (s *sseParser) line(line []byte, fn func(event string, data []byte) error) error {
	line = bytes.TrimSuffix(line, []byte("\r"))
	if len(line) == 0 {
		if !s.hasData {
			s.event = ""
			return nil
		}
		event, data := s.event, s.data
		s.event, s.data, s.hasData = "", s.data[:0], false
		return fn(event, data)
	}
	if line[0] == ':' {
		return nil // comment
	}
	name, value, _ := bytes.Cut(line, []byte(":"))
	value = bytes.TrimPrefix(value, []byte(" "))
	switch string(name) {
	case "event":
		s.event = string(value)
	case "data":
		if s.hasData {
			s.data = append(s.data, '\n')
		}
		s.data = append(s.data, value...)
		s.hasData = true
	}
	return nil
}
