//go:build !desktop

package main

// desktopBuild reports that this binary has no window: `serve` only.
const desktopBuild = false
