package model

import "time"

// ServerLogRecord is one warning or error that Sluicegate itself logged,
// as kept in the server's error log ring (API.md §3 "Error log"). Attrs are
// the record's key/values flattened to "group.key" names, with secrets
// redacted; treat the map as read-only.
type ServerLogRecord struct {
	TS      time.Time      `json:"ts"`
	Level   string         `json:"level"`
	Message string         `json:"message"`
	Attrs   map[string]any `json:"attrs"`
}
