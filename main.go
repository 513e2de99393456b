// Command sluicegate is a local LLM API proxy with a dashboard: a desktop
// app by default, headless with "serve". See README.md and
// ../shared/design/API.md §1 for the commands.
//
// The package's files each do one job: main.go dispatches the command
// line, options.go reads and checks the flags of sluicegate and serve,
// server.go is one running instance (listener, service, HTTP server),
// modes.go runs it headless or in the window, check.go is the check
// command.
package main

import (
	"embed"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"strings"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

// dist is the built dashboard. frontend/dist/.gitkeep is committed so this
// compiles on a fresh clone; such a binary serves a page that says how to
// build the dashboard.
//
//go:embed all:frontend/dist
var dist embed.FS

//go:embed build/appicon.png
var appIcon []byte

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // the command ran and failed
	exitUsage = 2 // bad flags, bad set-up
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches the command line and returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	cmd := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "":
		return runDesktop(args, stdout, stderr)
	case "serve":
		return runServe(args, stdout, stderr)
	case "check":
		return runCheck(args, stdout, stderr)
	case "logs":
		return runLogs(args, stdout, stderr)
	case "version":
		fmt.Fprintf(stdout, "sluicegate %s (%s, %s/%s)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return exitOK
	case "help":
		_, code, _ := parseFlags("help", []string{"--help"}, stdout, stderr)
		return code
	default:
		fmt.Fprintf(stderr, "sluicegate: unknown command %q; commands are serve, check, logs, version and help (none opens the desktop app)\n", cmd)
		return exitUsage
	}
}

// dashboardFS is the embedded frontend/dist.
func dashboardFS() fs.FS {
	sub, err := fs.Sub(dist, "frontend/dist")
	if err != nil {
		panic(err) // the embed pattern guarantees the folder exists
	}
	return sub
}
