// Package translate converts requests, responses, error bodies and SSE streams between the
// Anthropic Messages API dialect and the OpenAI Chat Completions dialect. It imports only the
// standard library.
package translate

import (
	"errors"
	"fmt"
)

// Options carries what response translation needs from the request.
type Options struct {
	Model        string // model name as the client sent it; echoed in translated responses
	IncludeUsage bool   // OpenAI client: stream_options.include_usage was true
	Stream       bool   // the client asked for a stream
}

// UnsupportedError reports a client field with no equivalent that cannot be dropped harmlessly.
type UnsupportedError struct{ Field, Reason string }

// Error returns "<field>: <reason>".
func (e *UnsupportedError) Error() string { return fmt.Sprintf("%s: %s", e.Field, e.Reason) }

// ErrInvalid is wrapped by errors for bodies that are not valid requests.
var ErrInvalid = errors.New("invalid request")

var errTODO = errors.New("translate: not implemented yet")

// AnthropicToOpenAIRequest translates a /v1/messages body into a chat.completions body.
func AnthropicToOpenAIRequest(body []byte, upstreamModel string) ([]byte, Options, error) {
	return nil, Options{}, errTODO
}

// OpenAIToAnthropicRequest translates a chat.completions body into a /v1/messages body.
func OpenAIToAnthropicRequest(body []byte, upstreamModel string) ([]byte, Options, error) {
	return nil, Options{}, errTODO
}

// OpenAIToAnthropicResponse translates a non-stream chat.completion into an Anthropic message.
func OpenAIToAnthropicResponse(body []byte, o Options) ([]byte, error) { return nil, errTODO }

// AnthropicToOpenAIResponse translates a non-stream Anthropic message into a chat.completion.
func AnthropicToOpenAIResponse(body []byte, o Options) ([]byte, error) { return nil, errTODO }

// OpenAIErrorToAnthropic converts an OpenAI-style error body into an Anthropic error body.
func OpenAIErrorToAnthropic(status int, body []byte) []byte { return nil }

// AnthropicErrorToOpenAI converts an Anthropic-style error body into an OpenAI error body.
func AnthropicErrorToOpenAI(status int, body []byte) []byte { return nil }

// Stream translates upstream SSE bytes into client SSE bytes.
type Stream interface {
	// Translate consumes the next piece of upstream bytes and returns the client bytes ready now
	// (possibly none). An error means the upstream stream is malformed; the caller then writes
	// ErrorEvent and aborts.
	Translate(p []byte) ([]byte, error)
	// End is called at upstream EOF. It returns any final client bytes; an error when the
	// upstream ended before its proper end (no [DONE] / message_stop).
	End() ([]byte, error)
}

type todoStream struct{}

func (todoStream) Translate(p []byte) ([]byte, error) { return nil, errTODO }
func (todoStream) End() ([]byte, error)               { return nil, errTODO }

// NewOpenAIToAnthropicStream reads OpenAI chunks and writes Anthropic events.
func NewOpenAIToAnthropicStream(o Options) Stream { return todoStream{} }

// NewAnthropicToOpenAIStream reads Anthropic events and writes OpenAI chunks.
func NewAnthropicToOpenAIStream(o Options) Stream { return todoStream{} }

// AnthropicErrorEvent returns one Anthropic SSE error event.
func AnthropicErrorEvent(errType, msg string) []byte { return nil }

// OpenAIErrorEvent returns one OpenAI SSE error event.
func OpenAIErrorEvent(errType, msg string) []byte { return nil }
