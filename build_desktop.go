//go:build desktop

package main

// desktopBuild reports that this binary links the window (GTK/WebKit).
const desktopBuild = true
