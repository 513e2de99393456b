// Package model holds the leaf types shared by every other package:
// providers, request log entries, health-check results, live events and
// sentinel errors. It imports only the standard library.
package model
