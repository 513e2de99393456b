// Package pkgtest holds the tests of what `make package` and
// `make build-headless` produce: the .deb (its control fields, its files,
// desktop-file-validate and appstreamcli on them, installing it with dpkg
// and opening the installed app's window under Xvfb) and the headless
// binary (nothing of GTK/WebKit linked; serve, check and logs work).
// Build tag "pkg" keeps them out of plain `go test ./...`; `make test`
// runs them after building both:
//
//	make package build-headless
//	go test -tags pkg -count=1 ./pkgtest
//
// SLUICEGATE_DEB and SLUICEGATE_HEADLESS_BIN override where the artefacts
// are looked for (default build/package/sluicegate_*.deb and
// build/bin/sluicegate-headless; relative paths are from the repository
// root). The install test runs dpkg -i, so it needs root.
package pkgtest
