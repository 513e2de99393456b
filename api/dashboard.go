package api

import (
	"io"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

// notBuilt is served when the binary was compiled without a built
// frontend (frontend/dist empty), so the user learns how to fix it.
const notBuilt = `<!doctype html><meta charset="utf-8"><title>Sluicegate</title>
<body style="font-family:system-ui;margin:3rem"><h1>Sluicegate</h1>
<p>The proxy is running, but this binary was built without the dashboard.
Build it with <code>make build</code> (or <code>cd frontend &amp;&amp; npm ci &amp;&amp; npm run build</code>, then rebuild the Go binary).</p>`

// dashboard serves the embedded single-page app: real files as they are,
// any other extension-less path as index.html (client-side routes).
type dashboard struct {
	files fs.FS
}

func newDashboard(files fs.FS) *dashboard { return &dashboard{files: files} }

func (d *dashboard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")

	name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	if name == "" {
		name = "index.html"
	}
	if d.serveFile(w, r, name) {
		return
	}
	// Unknown asset-like paths (with an extension) are real 404s: serving
	// index.html as /missing.js would only produce a confusing MIME error.
	if path.Ext(name) != "" && name != "index.html" {
		http.NotFound(w, r)
		return
	}
	if d.serveFile(w, r, "index.html") {
		return
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	_, _ = io.WriteString(w, notBuilt)
}

// serveFile serves name if it is a regular file; it reports whether it did.
func (d *dashboard) serveFile(w http.ResponseWriter, r *http.Request, name string) bool {
	if d.files == nil {
		return false
	}
	f, err := d.files.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.IsDir() {
		return false
	}
	rs, ok := f.(io.ReadSeeker)
	if !ok {
		return false
	}
	// Vite puts content-hashed files under assets/: they never change, so
	// browsers may keep them forever. Everything else is revalidated, so a
	// new binary's index.html is seen at once.
	if strings.HasPrefix(name, "assets/") {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	http.ServeContent(w, r, fi.Name(), time.Time{}, rs)
	return true
}
