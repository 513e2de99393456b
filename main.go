// Command sluicegate is a local LLM API proxy with a dashboard: a desktop
// app by default, headless with "serve". See README.md and
// ../shared/design/API.md §1 for the commands.
package main

import (
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
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

// Defaults of the common flags (API.md §1).
const (
	defaultAddr = "127.0.0.1:8750" // loopback only unless the user says otherwise
	envAddr     = "SLUICEGATE_ADDR"
	envDataDir  = "SLUICEGATE_DATA_DIR"
	envToken    = "SLUICEGATE_ADMIN_TOKEN"
)

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

const mainUsage = `Sluicegate: a local proxy for the OpenAI and Anthropic APIs, with a dashboard.

Usage:
  sluicegate [flags]          open the desktop app (window + proxy)
  sluicegate serve [flags]    run headless: proxy + dashboard at http://ADDR/, no window
  sluicegate check [flags]    run provider health checks now (see sluicegate check --help)
  sluicegate logs [flags]     print the running instance's request log; --follow to stream it
  sluicegate version          print the version
  sluicegate help             show this help

Point your SDKs at it (default address):
  OpenAI SDKs:                  base_url = http://127.0.0.1:8750/v1
  Anthropic SDKs, Claude Code:  ANTHROPIC_BASE_URL=http://127.0.0.1:8750

Flags (sluicegate and serve; each can also be set in the environment):
`

// options are the flags shared by the desktop app and serve.
type options struct {
	addr       string
	dataDir    string
	adminToken string
	// scheduleUnit shortens the health scheduler's second in tests; never
	// set from the command line.
	scheduleUnit time.Duration
}

// parseFlags parses the common flags; env vars give the defaults, flags
// win over them.
func parseFlags(name string, args []string, stdout, stderr io.Writer) (options, int, bool) {
	var o options
	fl := flag.NewFlagSet(name, flag.ContinueOnError)
	// The flag package's own messages and usage are replaced by ours.
	fl.SetOutput(io.Discard)
	fl.StringVar(&o.addr, "addr", envOr(envAddr, defaultAddr),
		"`HOST:PORT` to listen on ("+envAddr+"); a non-loopback host needs --admin-token")
	fl.StringVar(&o.dataDir, "data-dir", envOr(envDataDir, defaultDataDir()),
		"`DIR` for sluicegate.db, created 0700 ("+envDataDir+")")
	fl.StringVar(&o.adminToken, "admin-token", os.Getenv(envToken),
		"`TOKEN` required as 'Authorization: Bearer TOKEN' on the admin API ("+envToken+")")
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(stdout, mainUsage, fl)
			return o, exitOK, false
		}
		fmt.Fprintf(stderr, "sluicegate: %v (see sluicegate --help)\n", err)
		return o, exitUsage, false
	}
	if fl.NArg() > 0 {
		fmt.Fprintf(stderr, "sluicegate %s: unexpected argument %q (flags start with --; see --help)\n", name, fl.Arg(0))
		return o, exitUsage, false
	}
	if err := o.validate(); err != nil {
		fmt.Fprintf(stderr, "sluicegate: %v\n", err)
		return o, exitUsage, false
	}
	return o, exitOK, true
}

// printUsage prints header and then fl's flags in --flag form.
func printUsage(w io.Writer, header string, fl *flag.FlagSet) {
	fmt.Fprint(w, header)
	fl.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		fmt.Fprintf(w, "  --%s %s\n      %s", f.Name, name, usage)
		if f.Name == "admin-token" && f.DefValue != "" {
			fmt.Fprint(w, "\n      currently set") // never print a secret
		} else if f.DefValue != "" && f.DefValue != "false" {
			fmt.Fprintf(w, "\n      default: %s", f.DefValue)
		}
		fmt.Fprintln(w)
	})
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// defaultDataDir is os.UserConfigDir()/sluicegate, or ./sluicegate-data
// when the system has no config folder (no $HOME).
func defaultDataDir() string {
	if dir, err := os.UserConfigDir(); err == nil {
		return filepath.Join(dir, "sluicegate")
	}
	return "sluicegate-data"
}

// dashboardFS is the embedded frontend/dist.
func dashboardFS() fs.FS {
	sub, err := fs.Sub(dist, "frontend/dist")
	if err != nil {
		panic(err) // the embed pattern guarantees the folder exists
	}
	return sub
}
