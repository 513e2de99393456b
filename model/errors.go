package model

import (
	"errors"
	"fmt"
)

// Sentinel errors that storage and service return and the API maps to
// HTTP statuses with errors.Is.
var (
	// ErrNotFound: the addressed record does not exist (404).
	ErrNotFound = errors.New("not found")
	// ErrConflict: the write would break a uniqueness rule (409).
	ErrConflict = errors.New("conflict")
	// ErrNotStarted: the service is not started yet or already closed (503).
	ErrNotStarted = errors.New("service not started")
	// ErrDiskFull: the database could not be written because the disk is
	// full (507).
	ErrDiskFull = errors.New("disk full")
)

// ValidationError is bad input: it names the field and what is allowed (400).
type ValidationError struct {
	Field   string
	Message string
}

func (e *ValidationError) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return fmt.Sprintf("%s: %s", e.Field, e.Message)
}

// Invalid returns a ValidationError for field with a formatted message.
func Invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// ConflictError is a write that would break a uniqueness rule (409),
// naming the field at fault. errors.Is(err, ErrConflict) holds for it.
type ConflictError struct {
	Field   string
	Message string
}

func (e *ConflictError) Error() string { return e.Message }

// Is makes a ConflictError match ErrConflict.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }
