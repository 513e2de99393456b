// Package smoke holds the desktop smoke tests: they launch the real
// sluicegate binary ($SLUICEGATE_BIN, built with the desktop tags) in a
// real window under Xvfb. Build tag "smoke" keeps them out of plain
// `go test ./...`; `make test` runs them after building the binary.
package smoke
