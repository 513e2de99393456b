package app

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strconv"
	"sync"
	"time"

	"fyne.io/systray"
	"github.com/wailsapp/wails/v2/pkg/runtime"
)

// trayIconSize is the tray icon's edge in pixels: panels draw 16-48 px,
// and a small icon keeps the D-Bus property small.
const trayIconSize = 64

// trayUI is the tray icon and its menu. A nil *trayUI (no tray) accepts
// every call and does nothing.
type trayUI struct {
	a                 *App
	end               func()
	status            *systray.MenuItem
	okIcon, warnIcon  []byte
	mu                sync.Mutex
	lastIcon, lastTip string
}

// startTray shows the tray icon (fyne.io/systray: StatusNotifierItem over
// D-Bus on Linux) next to Wails' own main loop.
func startTray(a *App) *trayUI {
	t := &trayUI{a: a}
	t.okIcon, t.warnIcon = trayIcons(a.cfg.Icon)
	ready := make(chan struct{})
	start, end := systray.RunWithExternalLoop(func() {
		t.build()
		close(ready)
	}, nil)
	t.end = end
	start()
	select {
	case <-ready:
	case <-time.After(5 * time.Second):
	}
	t.update()
	return t
}

// build creates the menu and serves its clicks.
func (t *trayUI) build() {
	systray.SetTitle("Sluicegate")
	systray.SetTooltip("Sluicegate")
	systray.SetIcon(t.okIcon)
	status := systray.AddMenuItem("Starting…", "")
	status.Disable()
	t.mu.Lock()
	t.status = status
	t.mu.Unlock()
	systray.AddSeparator()
	open := systray.AddMenuItem("Open Sluicegate", "Show the window")
	check := systray.AddMenuItem("Run health check (all)", "Check every enabled provider now")
	copyOpenAI := systray.AddMenuItem("Copy OpenAI base URL", "For OpenAI SDKs (base_url)")
	copyAnthropic := systray.AddMenuItem("Copy Anthropic base URL", "For Anthropic SDKs and Claude Code (ANTHROPIC_BASE_URL)")
	systray.AddSeparator()
	quit := systray.AddMenuItem("Quit", "Stop the proxy and quit")
	// A left click on the icon opens the window too.
	systray.SetOnTapped(t.a.showWindow)
	go func() {
		for {
			select {
			case <-open.ClickedCh:
				t.a.showWindow()
			case <-check.ClickedCh:
				go t.a.runTrayCheck(t.a.ctx)
			case <-copyOpenAI.ClickedCh:
				t.copyURL(true)
			case <-copyAnthropic.ClickedCh:
				t.copyURL(false)
			case <-quit.ClickedCh:
				t.a.quit()
				return
			}
		}
	}()
}

func (t *trayUI) copyURL(openai bool) {
	t.a.mu.Lock()
	svcs := t.a.services
	t.a.mu.Unlock()
	if svcs == nil {
		return
	}
	o, an := svcs.BaseURLs()
	u := an
	if openai {
		u = o
	}
	_ = runtime.ClipboardSetText(t.a.ctx, u)
}

// update brings the label and the icon up to date with the server.
func (t *trayUI) update() {
	if t == nil {
		return
	}
	t.mu.Lock()
	status := t.status
	t.mu.Unlock()
	if status == nil {
		return // the menu is not built yet; build's caller updates after
	}
	t.a.mu.Lock()
	st, svcs := t.a.state, t.a.services
	t.a.mu.Unlock()
	label := trayLabel(st, -1)
	if st.State == StateRunning && svcs != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		n, err := svcs.ProviderCount(ctx)
		cancel()
		if err == nil {
			label = trayLabel(st, n)
		}
	}
	status.SetTitle(label)
	unhealthy := t.a.watch.unhealthy()
	icon, tip := "ok", "Sluicegate · "+label
	if unhealthy > 0 {
		icon = "warn"
		tip = fmt.Sprintf("Sluicegate · %d %s unhealthy", unhealthy, plural(unhealthy, "provider", "providers"))
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if icon != t.lastIcon {
		if icon == "warn" {
			systray.SetIcon(t.warnIcon)
		} else {
			systray.SetIcon(t.okIcon)
		}
		t.lastIcon = icon
	}
	if tip != t.lastTip {
		systray.SetTooltip(tip)
		t.lastTip = tip
	}
}

// stop removes the tray icon.
func (t *trayUI) stop() {
	if t == nil || t.end == nil {
		return
	}
	t.end()
}

// trayLabel is the menu's first, disabled line; n < 0 when the count is
// not known.
func trayLabel(st StartupState, n int) string {
	switch st.State {
	case StateRunning:
		if n < 0 {
			return "Running on " + st.Addr
		}
		return "Running on " + st.Addr + " · " + strconv.Itoa(n) + " " + plural(n, "provider", "providers")
	case StateConflict:
		return "Not running: " + st.Addr + " is taken"
	case StateFailed:
		return "Not running"
	}
	return "Starting…"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// trayIcons makes the tray's two icons from the app icon: as it is
// (running) and with a red dot (a provider is unhealthy), both scaled
// down to trayIconSize.
func trayIcons(appIcon []byte) (ok, warn []byte) {
	src, err := png.Decode(bytes.NewReader(appIcon))
	if err != nil {
		// No usable icon: a plain square keeps the tray item visible.
		sq := image.NewRGBA(image.Rect(0, 0, trayIconSize, trayIconSize))
		for i := range sq.Pix {
			sq.Pix[i] = 0xff
		}
		src = sq
	}
	small := scale(src, trayIconSize)
	ok = encodePNG(small)
	dotted := image.NewRGBA(small.Bounds())
	copy(dotted.Pix, small.Pix)
	// The dot: bottom-right, a third of the icon, with a white ring.
	r := float64(trayIconSize) / 6
	cx, cy := float64(trayIconSize)-r-1, float64(trayIconSize)-r-1
	for y := 0; y < trayIconSize; y++ {
		for x := 0; x < trayIconSize; x++ {
			dx, dy := float64(x)+0.5-cx, float64(y)+0.5-cy
			d := dx*dx + dy*dy
			switch {
			case d <= r*r:
				dotted.SetRGBA(x, y, color.RGBA{R: 220, G: 38, B: 38, A: 255})
			case d <= (r+2)*(r+2):
				dotted.SetRGBA(x, y, color.RGBA{R: 255, G: 255, B: 255, A: 255})
			}
		}
	}
	warn = encodePNG(dotted)
	return ok, warn
}

// scale averages src down to a size×size RGBA (a box filter: good enough
// for a large icon shown small).
func scale(src image.Image, size int) *image.RGBA {
	b := src.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, size, size))
	for y := 0; y < size; y++ {
		y0, y1 := b.Min.Y+y*b.Dy()/size, b.Min.Y+(y+1)*b.Dy()/size
		for x := 0; x < size; x++ {
			x0, x1 := b.Min.X+x*b.Dx()/size, b.Min.X+(x+1)*b.Dx()/size
			var r, g, bl, al, n uint64
			for sy := y0; sy < max(y1, y0+1); sy++ {
				for sx := x0; sx < max(x1, x0+1); sx++ {
					cr, cg, cb, ca := src.At(sx, sy).RGBA()
					r, g, bl, al, n = r+uint64(cr), g+uint64(cg), bl+uint64(cb), al+uint64(ca), n+1
				}
			}
			dst.Set(x, y, color.RGBA64{R: uint16(r / n), G: uint16(g / n), B: uint16(bl / n), A: uint16(al / n)})
		}
	}
	return dst
}

func encodePNG(img image.Image) []byte {
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}
