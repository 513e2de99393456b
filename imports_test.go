package main

import (
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"testing"
)

const modulePath = "github.com/sluicegate/sluicegate"

// allowedImports is ARCHITECTURE.md's import table: for each package, the
// project packages it may import. A package missing here fails the test,
// so a new package has to take its place in the table.
var allowedImports = map[string][]string{
	"":        {"app", "api", "service", "proxy", "health", "live", "storage", "metrics", "model"}, // main: composition
	"app":     {"model"},                                                                           // the service reaches it through app.Services, from main
	"api":     {"service", "live", "model"},
	"service": {"model", "storage", "proxy", "health", "live"},
	"proxy":   {"model", "translate"},
	"health":  {"model", "proxy"},
	"live":    {"model"},
	"storage": {"model"},
	"metrics": {"model"},
	"model":   {},
	// translate is pure: the standard library and its tokenizer only
	// (TestTranslateIsPure).
	"translate": {},
	"clients":   {},
	"bench":     {"proxy", "model", "live", "storage", "service"},
	"smoke":     {},
	// Build tooling and tests of the built artefacts: stdlib only.
	"packaging/icons": {},
	"pkgtest":         {},
	// Helpers of the tests of the built binaries (smoke, pkgtest, clients).
	"internal/desktoptest": {},
}

// thirdPartyHomes pins each heavy dependency to the packages allowed to use
// it (import path prefix → packages).
var thirdPartyHomes = map[string][]string{
	"github.com/wailsapp/":         {"app", ""},
	"github.com/mattn/go-sqlite3":  {"storage"},
	"github.com/gorilla/websocket": {"live"},
	"github.com/prometheus/":       {"metrics"},
	"github.com/tiktoken-go/":      {"translate"},
	"github.com/goccy/go-json":     {"translate"},
	"fyne.io/systray":              {"app"},
	"github.com/godbus/":           {"app", "smoke"},
}

type listedPackage struct {
	ImportPath string
	Imports    []string
	Standard   bool
}

// listPackages runs go list over the module with the given build tags.
func listPackages(t *testing.T, tags string) []listedPackage {
	t.Helper()
	args := []string{"list", "-json"}
	if tags != "" {
		args = append(args, "-tags", tags)
	}
	out, err := exec.Command("go", append(args, "./...")...).Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// rel turns an import path of this module into its ARCHITECTURE.md name
// ("" for main); ok is false for other modules.
func rel(path string) (string, bool) {
	if path == modulePath {
		return "", true
	}
	if r, ok := strings.CutPrefix(path, modulePath+"/"); ok {
		return r, true
	}
	return "", false
}

func TestImportRules(t *testing.T) {
	for _, tags := range []string{"", "desktop,production,webkit2_41", "smoke", "clients"} {
		pkgs := listPackages(t, tags)
		if len(pkgs) < 5 {
			t.Fatalf("go list found only %d packages", len(pkgs))
		}
		for _, p := range pkgs {
			name, _ := rel(p.ImportPath)
			allowed, known := allowedImports[name]
			if !known {
				t.Errorf("package %s is not in the import table (ARCHITECTURE.md); add it with its allowed imports", p.ImportPath)
				continue
			}
			for _, imp := range p.Imports {
				if dep, ours := rel(imp); ours {
					if !slices.Contains(allowed, dep) {
						t.Errorf("[tags %q] %s imports %s; allowed: %v", tags, p.ImportPath, imp, allowed)
					}
					continue
				}
				for prefix, homes := range thirdPartyHomes {
					if strings.HasPrefix(imp, prefix) && !slices.Contains(homes, name) {
						t.Errorf("[tags %q] %s imports %s, which belongs only in %v", tags, p.ImportPath, imp, homes)
					}
				}
			}
		}
	}
}

// TestModelIsLeaf: model imports only the standard library.
func TestModelIsLeaf(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", "./model").Output()
	if err != nil {
		t.Fatal(err)
	}
	var deps []string
	for _, d := range strings.Fields(string(out)) {
		if d != modulePath+"/model" {
			deps = append(deps, d)
		}
	}
	sort.Strings(deps)
	if len(deps) > 0 {
		t.Errorf("model depends on non-standard packages: %v", deps)
	}
}

// TestTranslateIsPure: translate depends on the standard library, its
// tokenizer (with the tokenizer's own regexp dependency) and the JSON codec
// of its per-chunk stream path only.
func TestTranslateIsPure(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", "./translate").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range strings.Fields(string(out)) {
		switch {
		case d == modulePath+"/translate":
		case strings.HasPrefix(d, "github.com/tiktoken-go/tokenizer"), strings.HasPrefix(d, "github.com/dlclark/regexp2"),
			strings.HasPrefix(d, "github.com/goccy/go-json"):
		default:
			t.Errorf("translate depends on %s; it may use the standard library, github.com/tiktoken-go/tokenizer and github.com/goccy/go-json only", d)
		}
	}
}
