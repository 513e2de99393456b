package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/sluicegate/sluicegate/model"
	"github.com/sluicegate/sluicegate/service"
	"github.com/sluicegate/sluicegate/storage"
)

const checkUsage = `Usage: sluicegate check [flags]

Runs health checks from the terminal through the same service as the
dashboard's "Run health check" button: one minimal real call per model
(max_tokens 1), stored in the provider's health history.

Exit status: 0 when every checked model is healthy, 1 when any is not
(or a provider is disabled or has no models), 2 on usage or set-up errors.

Flags:
`

// runCheck is `sluicegate check`.
func runCheck(args []string, stdout, stderr io.Writer) int {
	var (
		providers     []string
		models        string
		maxConcurrent int
		timeoutSecs   int
		asJSON        bool
		dataDir       string
	)
	fl := flag.NewFlagSet("check", flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	fl.Func("provider", "provider `KEY|ID` to check; repeat for several (default: all providers)", func(v string) error {
		providers = append(providers, v)
		return nil
	})
	fl.StringVar(&models, "models", "", "comma-separated `ALIASES` or upstream model names (default: every mapped model)")
	fl.IntVar(&maxConcurrent, "max-concurrent", 2, "at most `N` model checks in flight at once (1..10)")
	fl.IntVar(&timeoutSecs, "timeout-secs", 30, "`SECONDS` allowed for each model check (1..120)")
	fl.BoolVar(&asJSON, "json", false, "print the results as JSON (the admin API's shape)")
	fl.StringVar(&dataDir, "data-dir", envOr(envDataDir, defaultDataDir()), "`DIR` holding sluicegate.db ("+envDataDir+")")
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(stdout, checkUsage, fl)
			return exitOK
		}
		fmt.Fprintf(stderr, "sluicegate check: %v (see sluicegate check --help)\n", err)
		return exitUsage
	}
	if fl.NArg() > 0 {
		fmt.Fprintf(stderr, "sluicegate check: unexpected argument %q (see sluicegate check --help)\n", fl.Arg(0))
		return exitUsage
	}
	opts := model.CheckOptions{MaxConcurrent: &maxConcurrent, TimeoutSecs: &timeoutSecs}
	if models != "" {
		for _, m := range strings.Split(models, ",") {
			if m = strings.TrimSpace(m); m != "" {
				opts.Models = append(opts.Models, m)
			}
		}
	}

	// A mistyped --data-dir must not quietly create an empty database.
	if err := requireDatabase(dataDir); err != nil {
		fmt.Fprintf(stderr, "sluicegate check: %v\n", err)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	svc := service.New(service.Config{Version: version, DataDir: dataDir, NoScheduler: true})
	if err := svc.Start(ctx); err != nil {
		fmt.Fprintf(stderr, "sluicegate check: %v\n", err)
		return exitUsage
	}
	defer svc.Close(context.Background())

	ids, err := resolveProviders(ctx, svc, providers)
	if err != nil {
		fmt.Fprintf(stderr, "sluicegate check: %v\n", err)
		return exitUsage
	}
	res, err := svc.CheckAll(ctx, ids, opts, model.TriggerCLI)
	if err != nil {
		var ve *model.ValidationError
		if errors.As(err, &ve) {
			fmt.Fprintf(stderr, "sluicegate check: --%s\n", strings.ReplaceAll(ve.Error(), "_", "-"))
			return exitUsage
		}
		fmt.Fprintf(stderr, "sluicegate check: %v\n", err)
		return exitError
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(res)
	} else {
		printChecks(stdout, res)
	}
	for _, p := range res.Providers {
		if p.Status != model.HealthHealthy {
			return exitError
		}
	}
	return exitOK
}

// requireDatabase reports an error when dataDir holds no Sluicegate
// database, because opening the service would create an empty one there.
func requireDatabase(dataDir string) error {
	if _, err := os.Stat(filepath.Join(dataDir, storage.FileName)); err != nil {
		return fmt.Errorf("no Sluicegate database in %s (%v); start Sluicegate once, or pass the --data-dir it uses", dataDir, err)
	}
	return nil
}

// resolveProviders turns --provider values (keys or ids) into ids. No
// value means every provider; none configured is a set-up error.
func resolveProviders(ctx context.Context, svc *service.Service, want []string) ([]int64, error) {
	all, err := svc.ListProviders(ctx)
	if err != nil {
		return nil, err
	}
	if len(all) == 0 {
		return nil, errors.New("no providers are configured; add one in the dashboard (Providers) or with POST /admin/v1/providers")
	}
	var ids []int64
	for _, w := range want {
		found := false
		for _, p := range all {
			if p.Key == w || strconv.FormatInt(p.ID, 10) == w {
				ids, found = append(ids, p.ID), true
				break
			}
		}
		if !found {
			keys := make([]string, len(all))
			for i, p := range all {
				keys[i] = p.Key
			}
			return nil, fmt.Errorf("no provider %q; known: %s", w, strings.Join(keys, ", "))
		}
	}
	return ids, nil
}

// printChecks prints one line per model and one summary line per provider.
func printChecks(w io.Writer, res model.CheckAllResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PROVIDER\tMODEL\tSTATUS\tTIME\tCODE\tERROR")
	for _, p := range res.Providers {
		if len(p.Models) == 0 {
			fmt.Fprintf(tw, "%s\t-\t%s\t-\t-\t%s\n", p.ProviderKey, p.Status, map[string]string{
				model.HealthDisabled: "provider is disabled; nothing was called",
				model.HealthUnknown:  "provider has no models to check",
			}[p.Status])
		}
		for _, m := range p.Models {
			code, msg := "-", ""
			if m.StatusCode != nil {
				code = strconv.Itoa(*m.StatusCode)
			}
			if m.Error != nil {
				msg = m.Error.Type + ": " + m.Error.Message
			}
			if m.Note != "" {
				msg = strings.TrimSpace(msg + " (" + m.Note + ")")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%dms\t%s\t%s\n", p.ProviderKey, m.Model, m.Status, m.ResponseTimeMs, code, oneLine(msg))
		}
	}
	_ = tw.Flush()
	fmt.Fprintln(w)
	for _, p := range res.Providers {
		fmt.Fprintf(w, "%s: %s (%d of %d models healthy, %dms)\n", p.ProviderKey, p.Status,
			p.Summary.HealthyModels, p.Summary.TotalModels, p.DurationMs)
	}
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}
