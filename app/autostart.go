package app

import (
	"strings"
)

// HiddenFlag starts the desktop app hidden in the tray (the autostart
// entry's Exec uses it).
const HiddenFlag = "--hidden"

// autostartEntry is the XDG autostart .desktop file that starts exe
// hidden in the tray at login.
func autostartEntry(exe string) string {
	return "[Desktop Entry]\n" +
		"Type=Application\n" +
		"Name=Sluicegate\n" +
		"Comment=Local proxy for the OpenAI and Anthropic APIs\n" +
		"Exec=" + execQuote(exe) + " " + HiddenFlag + "\n" +
		"Icon=sluicegate\n" +
		"Terminal=false\n" +
		"Categories=Development;\n" +
		"X-GNOME-Autostart-enabled=true\n"
}

// execQuote quotes a program path for a desktop entry's Exec key (Desktop
// Entry Specification, "The Exec key"): a path with reserved characters
// goes in double quotes, with ", `, $ and \ escaped by a backslash; and
// because the value is itself a string, each backslash is doubled again.
// A literal % is written %%.
func execQuote(path string) string {
	path = strings.ReplaceAll(path, "%", "%%")
	if !strings.ContainsAny(path, " \t\n\"'\\><~|&;$*?#()`") {
		return path
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range path {
		switch r {
		case '"', '`', '$':
			b.WriteString(`\\`)
			b.WriteRune(r)
		case '\\':
			b.WriteString(`\\\\`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
