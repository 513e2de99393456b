package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/sluicegate/sluicegate/model"
)

// The route group scenario (issue 13): the same `sluicegate` child serves
// the 64-connection throughput run once for the single-provider alias
// bench-model and once for bench-group, a route group of three providers
// (all pointing at the mock, failover on 429 and 503) whose first member
// answers, interleaved in every round. Routing through the group (its
// circuit check, the attempts header, the attempt fields of the log row)
// should cost at most 2 % of the throughput.

// groupModel is the alias of the three-member route group.
const groupModel = "bench-group"

const (
	grpSingle = "single-provider alias (bench-model)"
	grpGroup  = "route group of 3, first healthy (bench-group)"
)

// groupMember is a further provider at the mock, a member of bench-group
// with priority prio.
func groupMember(key, upstream string, prio int) model.Provider {
	return model.Provider{
		Key: key, Name: key, Type: model.TypeOpenAI, BaseURL: upstream + "/v1", Enabled: true,
		Models: []model.ModelMapping{{Alias: groupModel, Upstream: "mock-model", Priority: prio, FailoverOn: []int{429, 503}}},
	}
}

// groupRun measures the single alias and the group on sg, interleaved.
func groupRun(sg target, rounds int, dur time.Duration) (map[string]*runStats, error) {
	single := target{name: grpSingle, url: sg.url, proc: sg.proc, alias: true}
	group := target{name: grpGroup, url: sg.url, proc: sg.proc, alias: true, model: groupModel}
	return interleaved64([]target{single, group}, rounds, dur)
}

func printGroup(res map[string]*runStats) []string {
	var fails []string
	fmt.Printf("\n## Route group of 3 (first healthy) vs single-provider alias: 64 connections, same sluicegate child\n\n")
	fmt.Println("| route | requests | req/s | p50 ms | p99 ms | CPU µs/req | errors |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|")
	for _, name := range []string{grpSingle, grpGroup} {
		st := res[name]
		fmt.Printf("| %s | %d | %.0f | %s | %s | %.0f | %d |\n", name, st.requests, reqRate(st), ms(st.pct(0.5)), ms(st.pct(0.99)), cpuPerReq(st), st.errors)
		if st.errors > 0 {
			fails = append(fails, fmt.Sprintf("group scenario / %s: %d errors, e.g. %v", name, st.errors, st.errSample))
		}
	}
	return fails
}

func printGroupTarget(res map[string]*runStats) {
	ratio := reqRate(res[grpGroup]) / reqRate(res[grpSingle])
	fmt.Printf("| route group of 3 (first healthy) vs single-provider alias, throughput at 64 connections | ≥ 98 %% | %.1f %% (%.0f vs %.0f req/s; CPU %.0f vs %.0f µs/req) | %s |\n",
		100*ratio, reqRate(res[grpGroup]), reqRate(res[grpSingle]), cpuPerReq(res[grpGroup]), cpuPerReq(res[grpSingle]), check(ratio >= 0.98))
}

// driveOnly runs one scenario alone ("group", "translate" or "logging") against a
// mock and one sluicegate child: a quick run of one target when the full
// bench is not needed.
func driveOnly(scenario string, dur time.Duration, rounds int, cpuprofile string) error {
	start := time.Now()
	mock, err := startChild("mock", "", "")
	if err != nil {
		return err
	}
	defer mock.stop()
	sgProfile := cpuprofile
	if scenario == "logging" {
		// The logging child's profile goes to cpuprofile; this one, for
		// comparison, next to it.
		sgProfile = cpuprofile + ".off"
		if cpuprofile == "" {
			sgProfile = ""
		}
	}
	sg, err := startChild(tSG, mock.addr, sgProfile)
	if err != nil {
		return err
	}
	defer sg.stop()
	t := target{name: tSG, url: sg.addr, proc: sg, alias: true}
	for _, m := range []string{"", groupModel} {
		t.model = m
		if _, err := attack(t, 8, 0, 500*time.Millisecond); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
	}
	t.model = ""
	var fails []string
	switch scenario {
	case "group":
		res, err := groupRun(t, rounds, dur)
		if err != nil {
			return err
		}
		fails = printGroup(res)
		fmt.Printf("\n| target | goal | measured | |\n|---|---|---|---|\n")
		printGroupTarget(res)
	case "logging":
		f, err := loggingOnly(mock, t, rounds, dur, cpuprofile)
		if err != nil {
			return err
		}
		fails = f
	case "translate":
		res, err := translatedStreams(t, rounds, dur)
		if err != nil {
			return err
		}
		fails = printTranslated(res)
		fmt.Printf("\n| target | goal | measured | |\n|---|---|---|---|\n")
		printTranslatedTargets(res)
	}
	load1, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("\nload average at end: %s; wall time %v\n", strings.TrimSpace(string(load1)), time.Since(start).Round(time.Second))
	if len(fails) > 0 {
		return fmt.Errorf("%d run(s) had errors: %v", len(fails), fails)
	}
	return nil
}
