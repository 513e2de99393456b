//go:build smoke && linux

package smoke

/*
#cgo LDFLAGS: -lX11
#include <stdlib.h>
#include <X11/Xlib.h>

// close_window asks a window to close the way a window manager's close
// button does: a WM_DELETE_WINDOW client message (GTK's delete-event).
static int close_window(const char *display, unsigned long win) {
	Display *d = XOpenDisplay(display);
	if (!d) return 1;
	XEvent ev = {0};
	ev.xclient.type = ClientMessage;
	ev.xclient.window = win;
	ev.xclient.message_type = XInternAtom(d, "WM_PROTOCOLS", False);
	ev.xclient.format = 32;
	ev.xclient.data.l[0] = XInternAtom(d, "WM_DELETE_WINDOW", False);
	ev.xclient.data.l[1] = CurrentTime;
	Status ok = XSendEvent(d, win, False, NoEventMask, &ev);
	XFlush(d);
	XCloseDisplay(d);
	return ok ? 0 : 2;
}
*/
import "C"

import (
	"fmt"
	"strconv"
	"unsafe"
)

// CloseWindow clicks a window's close button, as far as the app can tell
// (Xvfb has no window manager to draw one). cgo cannot be used in _test.go
// files, so this lives here.
func CloseWindow(display, win string) error {
	id, err := strconv.ParseUint(win, 10, 64)
	if err != nil {
		return fmt.Errorf("window id %q: %w", win, err)
	}
	cs := C.CString(display)
	defer C.free(unsafe.Pointer(cs))
	if rc := C.close_window(cs, C.ulong(id)); rc != 0 {
		return fmt.Errorf("close window %s on %s: code %d", win, display, rc)
	}
	return nil
}
