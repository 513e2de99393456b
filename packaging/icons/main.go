// Command icons writes the app icon (build/appicon.png) in the hicolor
// theme's sizes, for the .deb made by `make package`:
//
//	go run ./packaging/icons -src build/appicon.png -out build/package/icons
//
// writes OUT/hicolor/NxN/apps/sluicegate.png for each size. It uses only
// the standard library and an area-average scaler, so the same source
// gives the same bytes on every machine with the same Go version (no
// ImageMagick version or PNG timestamps involved).
package main

import (
	"errors"
	"flag"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
)

// sizes are the hicolor sizes the package ships (pixels, square).
var sizes = []int{16, 32, 48, 64, 128, 256, 512}

// iconName is the theme name of the icon: the .desktop entry's Icon=.
const iconName = "sluicegate"

func main() {
	src := flag.String("src", "build/appicon.png", "square source `PNG`, at least 512 pixels wide")
	out := flag.String("out", "build/package/icons", "output `DIR`; hicolor/NxN/apps/"+iconName+".png is written under it")
	flag.Parse()
	if err := writeIcons(*src, *out); err != nil {
		fmt.Fprintf(os.Stderr, "icons: %v\n", err)
		os.Exit(1)
	}
}

// writeIcons reads src and writes every size under out.
func writeIcons(src, out string) error {
	img, err := readPNG(src)
	if err != nil {
		return err
	}
	b := img.Bounds()
	if b.Dx() != b.Dy() {
		return fmt.Errorf("%s is %dx%d: the icon must be square", src, b.Dx(), b.Dy())
	}
	for _, n := range sizes {
		if n > b.Dx() {
			return fmt.Errorf("%s is %dx%d: too small for the %dx%d icon (it would be upscaled)", src, b.Dx(), b.Dy(), n, n)
		}
		path := filepath.Join(out, "hicolor", fmt.Sprintf("%dx%d", n, n), "apps", iconName+".png")
		if err := writePNG(path, scale(img, n, n)); err != nil {
			return err
		}
	}
	return nil
}

func readPNG(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open source icon: %w", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", path, err)
	}
	return img, nil
}

func writePNG(path string, img image.Image) (err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create icon dir: %w", err)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create icon: %w", err)
	}
	defer func() { err = errors.Join(err, f.Close()) }()
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(f, img); err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	return nil
}

// scale returns src resized to w×h by area averaging: each output pixel
// is the mean of the source area it covers, weighted by how much of each
// source pixel lies inside it. Averaging happens on premultiplied alpha
// (image.RGBA), so transparent pixels do not darken the edges.
func scale(src image.Image, w, h int) *image.RGBA {
	b := src.Bounds()
	in := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(in, in.Bounds(), src, b.Min, draw.Src)
	xs := spans(b.Dx(), w)
	ys := spans(b.Dy(), h)
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	for dy, ry := range ys {
		for dx, rx := range xs {
			var acc [4]float64
			for _, sy := range ry {
				for _, sx := range rx {
					wt := sx.weight * sy.weight
					p := in.PixOffset(sx.index, sy.index)
					for c := range 4 {
						acc[c] += wt * float64(in.Pix[p+c])
					}
				}
			}
			p := dst.PixOffset(dx, dy)
			for c := range 4 {
				dst.Pix[p+c] = uint8(min(255, acc[c]+0.5))
			}
		}
	}
	return dst
}

// span is one source pixel's share of an output pixel.
type span struct {
	index  int
	weight float64
}

// spans maps each of n output pixels along one axis to the source pixels
// (of srcN) it covers; the weights of one output pixel sum to 1.
func spans(srcN, n int) [][]span {
	ratio := float64(srcN) / float64(n)
	out := make([][]span, n)
	for i := range n {
		lo, hi := float64(i)*ratio, float64(i+1)*ratio
		for s := int(lo); s < srcN && float64(s) < hi; s++ {
			// The overlap of [s, s+1) with [lo, hi).
			overlap := min(hi, float64(s+1)) - max(lo, float64(s))
			if overlap > 0 {
				out[i] = append(out[i], span{index: s, weight: overlap / ratio})
			}
		}
	}
	return out
}
