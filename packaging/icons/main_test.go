package main

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"
)

func TestSpansWeightsSumToOne(t *testing.T) {
	for _, tc := range []struct{ src, n int }{{1024, 16}, {1024, 48}, {1024, 512}, {100, 3}, {7, 7}} {
		t.Run(fmt.Sprintf("%d->%d", tc.src, tc.n), func(t *testing.T) {
			covered := make([]float64, tc.src)
			for i, ss := range spans(tc.src, tc.n) {
				sum := 0.0
				for _, s := range ss {
					sum += s.weight
					covered[s.index] += s.weight
				}
				if math.Abs(sum-1) > 1e-9 {
					t.Errorf("output pixel %d: weights sum to %v, want 1", i, sum)
				}
			}
			// Every source pixel contributes the same total amount.
			want := float64(tc.n) / float64(tc.src)
			for s, c := range covered {
				if math.Abs(c-want) > 1e-9 {
					t.Fatalf("source pixel %d contributes %v, want %v", s, c, want)
				}
			}
		})
	}
}

func TestScale(t *testing.T) {
	red := color.NRGBA{R: 200, G: 10, B: 30, A: 255}
	tests := []struct {
		name  string
		src   image.Image
		w     int
		check func(t *testing.T, got *image.RGBA)
	}{
		{
			name: "uniform colour stays the same at a non-integer ratio",
			src:  uniform(96, red),
			w:    48 - 11, // 96/37 is not a whole number
			check: func(t *testing.T, got *image.RGBA) {
				for y := range got.Bounds().Dy() {
					for x := range got.Bounds().Dx() {
						if c := color.NRGBAModel.Convert(got.At(x, y)); c != red {
							t.Fatalf("pixel %d,%d = %v, want %v", x, y, c, red)
						}
					}
				}
			},
		},
		{
			name: "black and white halves average to grey",
			src:  halves(4),
			w:    1,
			check: func(t *testing.T, got *image.RGBA) {
				if c := got.RGBAAt(0, 0); c != (color.RGBA{128, 128, 128, 255}) {
					t.Fatalf("got %v, want mid grey", c)
				}
			},
		},
		{
			name: "transparent pixels do not darken the colour",
			src:  halfTransparent(4, red),
			w:    1,
			check: func(t *testing.T, got *image.RGBA) {
				c := color.NRGBAModel.Convert(got.RGBAAt(0, 0)).(color.NRGBA)
				if c.A != 128 || absDiff(c.R, red.R) > 1 || absDiff(c.G, red.G) > 1 || absDiff(c.B, red.B) > 1 {
					t.Fatalf("got %v, want %v at half alpha", c, red)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := scale(tc.src, tc.w, tc.w)
			if b := got.Bounds(); b.Dx() != tc.w || b.Dy() != tc.w {
				t.Fatalf("size %v, want %dx%d", b, tc.w, tc.w)
			}
			tc.check(t, got)
		})
	}
}

// TestWriteIconsAllSizesReproducible runs the command's work on a real
// PNG file twice and compares the bytes.
func TestWriteIconsAllSizesReproducible(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "icon.png")
	writeTestPNG(t, src, halves(600))
	var first [][]byte
	for run := range 2 {
		out := filepath.Join(dir, fmt.Sprint("out", run))
		if err := writeIcons(src, out); err != nil {
			t.Fatal(err)
		}
		for i, n := range sizes {
			b, err := os.ReadFile(filepath.Join(out, "hicolor", fmt.Sprintf("%dx%d", n, n), "apps", "sluicegate.png"))
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if got := img.Bounds(); got.Dx() != n || got.Dy() != n {
				t.Errorf("%dx%d icon is %v", n, n, got)
			}
			if run == 0 {
				first = append(first, b)
			} else if !bytes.Equal(first[i], b) {
				t.Errorf("%dx%d icon differs between two runs", n, n)
			}
		}
	}
}

func TestWriteIconsRejectsBadSources(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		img  image.Image
	}{
		{"not square", image.NewNRGBA(image.Rect(0, 0, 600, 500))},
		{"too small", uniform(256, color.NRGBA{A: 255})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := filepath.Join(dir, tc.name+".png")
			writeTestPNG(t, src, tc.img)
			if err := writeIcons(src, filepath.Join(dir, "out")); err == nil {
				t.Fatal("writeIcons accepted it")
			}
		})
	}
	if err := writeIcons(filepath.Join(dir, "missing.png"), filepath.Join(dir, "out")); err == nil {
		t.Fatal("writeIcons accepted a missing file")
	}
}

func uniform(n int, c color.NRGBA) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	for y := range n {
		for x := range n {
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

// halves is black on the left half and white on the right.
func halves(n int) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	for y := range n {
		for x := range n {
			v := uint8(0)
			if x >= n/2 {
				v = 255
			}
			img.SetNRGBA(x, y, color.NRGBA{v, v, v, 255})
		}
	}
	return img
}

// halfTransparent is c on the left half and fully transparent black on the right.
func halfTransparent(n int, c color.NRGBA) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	for y := range n {
		for x := range n / 2 {
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

func writeTestPNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func absDiff(a, b uint8) uint8 {
	if a > b {
		return a - b
	}
	return b - a
}
