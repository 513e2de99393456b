// Package clients holds end-to-end tests that run real LLM client programs
// (Claude Code) against a real `sluicegate serve` and a fake provider. The
// tests need the build tag "clients", SLUICEGATE_BIN and the e2e folder's
// node_modules (scripts/test.sh runs them).
package clients
