package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"github.com/sluicegate/sluicegate/api"
)

// Defaults of the common flags (API.md §1).
const (
	defaultAddr = "127.0.0.1:8750" // loopback only unless the user says otherwise
	// defaultShutdownGrace lets a typical streamed answer finish on a stop
	// signal without making a service manager wait long.
	defaultShutdownGrace = 10 * time.Second
	// minRemoteTokenLen: a token that guards a listener other machines can
	// reach must not be guessable in reasonable time.
	minRemoteTokenLen = 16

	envAddr          = "SLUICEGATE_ADDR"
	envDataDir       = "SLUICEGATE_DATA_DIR"
	envToken         = "SLUICEGATE_ADMIN_TOKEN"
	envShutdownGrace = "SLUICEGATE_SHUTDOWN_GRACE"
)

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
	// shutdownGrace is how long in-flight requests (streams) may finish
	// after a stop signal before their connections are closed.
	shutdownGrace time.Duration
	// addrSet: --addr or SLUICEGATE_ADDR chose addr (the desktop app's
	// own address setting does not apply then).
	addrSet bool
	// startHidden (desktop only, --hidden) starts the app in the tray.
	startHidden bool
	// scheduleUnit shortens the health scheduler's second in tests; never
	// set from the command line.
	scheduleUnit time.Duration
	// wsQueueSize is each WebSocket subscriber's queue in events (0: the
	// hub's default); only tests shrink it, never the command line.
	wsQueueSize int
}

// parseFlags parses the common flags; env vars give the defaults, flags
// win over them. It returns the exit code to use when ok is false.
func parseFlags(name string, args []string, stdout, stderr io.Writer) (o options, code int, ok bool) {
	grace, err := envDuration(envShutdownGrace, defaultShutdownGrace)
	if err != nil {
		fmt.Fprintf(stderr, "sluicegate: %v\n", err)
		return o, exitUsage, false
	}
	fl := flag.NewFlagSet(name, flag.ContinueOnError)
	// The flag package's own messages and usage are replaced by ours.
	fl.SetOutput(io.Discard)
	fl.StringVar(&o.addr, "addr", envOr(envAddr, defaultAddr),
		"`HOST:PORT` to listen on ("+envAddr+"); a non-loopback host needs --admin-token")
	fl.StringVar(&o.dataDir, "data-dir", envOr(envDataDir, defaultDataDir()),
		"`DIR` for sluicegate.db, created 0700 ("+envDataDir+")")
	fl.StringVar(&o.adminToken, "admin-token", os.Getenv(envToken),
		"`TOKEN` required as 'Authorization: Bearer TOKEN' on the admin API ("+envToken+")")
	fl.DurationVar(&o.shutdownGrace, "shutdown-grace", grace,
		"`DURATION` open requests and streams may take to finish on stop before they are cut off ("+envShutdownGrace+")")
	if name == "" {
		fl.BoolVar(&o.startHidden, "hidden", false,
			"start the desktop app hidden in the tray (the start-at-login entry uses it); shown anyway without a tray")
	}
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(stdout, mainUsage, fl)
			return o, exitOK, false
		}
		fmt.Fprintf(stderr, "sluicegate: %v (see sluicegate --help)\n", err)
		return o, exitUsage, false
	}
	o.addrSet = os.Getenv(envAddr) != ""
	fl.Visit(func(f *flag.Flag) {
		if f.Name == "addr" {
			o.addrSet = true
		}
	})
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

// validate checks the options before anything is opened. Its messages
// never contain the admin token.
func (o options) validate() error {
	host, port, err := net.SplitHostPort(o.addr)
	if err != nil {
		return fmt.Errorf("--addr %q is not HOST:PORT (for example 127.0.0.1:8750): %v", o.addr, err)
	}
	if _, err := net.LookupPort("tcp", port); err != nil {
		return fmt.Errorf("--addr %q: port %q is not a number from 0 to 65535", o.addr, port)
	}
	remote := !api.IsLoopbackHost(host)
	if o.adminToken == "" && remote {
		return fmt.Errorf("--addr %s listens beyond this machine, so an admin token is required: set --admin-token or %s (or use a loopback address such as 127.0.0.1)", o.addr, envToken)
	}
	// A pasted token often carries a newline or spaces; clients would
	// send it trimmed (or could not send it at all), so it never matches.
	if strings.TrimSpace(o.adminToken) != o.adminToken {
		return fmt.Errorf("the admin token (--admin-token or %s) starts or ends with whitespace; remove it", envToken)
	}
	if strings.ContainsFunc(o.adminToken, unicode.IsControl) {
		return fmt.Errorf("the admin token (--admin-token or %s) contains a control character (such as a tab or line break); use printable characters only", envToken)
	}
	if remote && len(o.adminToken) < minRemoteTokenLen {
		return fmt.Errorf("--addr %s listens beyond this machine, so the admin token must be at least %d characters long; choose a longer --admin-token or %s", o.addr, minRemoteTokenLen, envToken)
	}
	if o.dataDir == "" {
		return fmt.Errorf("--data-dir is empty; give a folder for sluicegate.db")
	}
	if o.shutdownGrace < 0 {
		return fmt.Errorf("--shutdown-grace %s is negative; give a duration such as 10s (0 cuts open requests off at once)", o.shutdownGrace)
	}
	return nil
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

// envDuration reads a duration such as 10s from the environment.
func envDuration(key string, def time.Duration) (time.Duration, error) {
	v := os.Getenv(key)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("%s=%q is not a duration such as 10s or 1m30s", key, v)
	}
	return d, nil
}

// defaultDataDir is os.UserConfigDir()/sluicegate, or ./sluicegate-data
// when the system has no config folder (no $HOME).
func defaultDataDir() string {
	if dir, err := os.UserConfigDir(); err == nil {
		return filepath.Join(dir, "sluicegate")
	}
	return "sluicegate-data"
}
