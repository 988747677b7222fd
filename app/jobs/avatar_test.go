package jobs_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color/palette"
	"image/gif"
	"image/jpeg"
	"image/png"
	"runtime"
	"strings"
	"testing"

	"github.com/scalezero/scalezero/app"
	"github.com/scalezero/scalezero/app/internal/testenv"
	"github.com/scalezero/scalezero/app/jobs"
)

func encoded(t *testing.T, enc func(*bytes.Buffer) error) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := enc(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// DecodedBytes is read from the header before anything is decoded: it must
// bound what decoding and scaling the picture allocate, measured, for every
// colour model and depth a PNG, JPEG or GIF may have (16-bit and
// interlaced included), and not by much more.
func TestDecodedBytesBoundsWhatDecodingAllocates(t *testing.T) {
	const w, h = 1500, 1000
	rect := image.Rect(0, 0, w, h)
	cases := map[string][]byte{
		"png rgba 8":               testenv.PNG(w, h, 8, false),
		"png rgba 16":              testenv.PNG(w, h, 16, false),
		"png rgba 16 interlaced":   testenv.PNG(w, h, 16, true),
		"png rgba 8 interlaced":    testenv.PNG(w, h, 8, true),
		"png gray 8":               encoded(t, func(b *bytes.Buffer) error { return png.Encode(b, image.NewGray(rect)) }),
		"png gray 16":              encoded(t, func(b *bytes.Buffer) error { return png.Encode(b, image.NewGray16(rect)) }),
		"png paletted":             encoded(t, func(b *bytes.Buffer) error { return png.Encode(b, image.NewPaletted(rect, palette.Plan9)) }),
		"jpeg ycbcr":               encoded(t, func(b *bytes.Buffer) error { return jpeg.Encode(b, image.NewRGBA(rect), nil) }),
		"jpeg gray":                encoded(t, func(b *bytes.Buffer) error { return jpeg.Encode(b, image.NewGray(rect), nil) }),
		"gif":                      encoded(t, func(b *bytes.Buffer) error { return gif.Encode(b, image.NewPaletted(rect, palette.WebSafe), nil) }),
		"png nrgba 8 (Go encoder)": encoded(t, func(b *bytes.Buffer) error { return png.Encode(b, image.NewNRGBA(rect)) }),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			want, _, _, err := jobs.DecodedBytes(data)
			if err != nil {
				t.Fatal(err)
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			if _, _, err := jobs.Avatar(context.Background(), data, ""); err != nil {
				t.Fatal(err)
			}
			runtime.ReadMemStats(&after)
			got := int64(after.TotalAlloc - before.TotalAlloc)
			t.Logf("allocated %d KiB, bound %d KiB", got>>10, want>>10)
			if got > want {
				t.Errorf("decoding allocated %d bytes, more than the bound %d", got, want)
			}
			if want > 3*got {
				t.Errorf("the bound %d is more than three times what decoding allocated (%d)", want, got)
			}
		})
	}
}

// The hostile upload of the report: a 16-bit interlaced PNG just under the
// pixel cap, a few hundred kilobytes declaring 640 MB of decoding, is
// refused from its header, as a permanent error; an 8-bit one of the same
// size is within the bound.
func TestAHostilePNGIsRefusedFromItsHeader(t *testing.T) {
	hostile := testenv.PNG(6320, 6320, 16, true)
	if len(hostile) > 1<<20 {
		t.Fatalf("the hostile PNG is %d bytes; it should be small", len(hostile))
	}
	n, err := jobs.CheckImage(hostile, jobs.DefaultMaxDecodedBytes)
	if err == nil || !strings.Contains(err.Error(), "MiB to decode") {
		t.Fatalf("CheckImage of the hostile PNG: %d, %v; want a refusal naming the decoded size", n, err)
	}
	if n, _, _, _ := jobs.DecodedBytes(hostile); n < 6320*6320*8*2 {
		t.Errorf("DecodedBytes of a 16-bit interlaced 6320x6320 PNG: %d, below its two 8-byte-a-pixel images", n)
	}
	if _, _, err := jobs.Avatar(context.Background(), hostile, "image/png"); !errors.Is(err, app.ErrPermanent) {
		t.Errorf("the worker on the hostile PNG: %v, want a permanent error", err)
	}
	if _, err := jobs.CheckImage(testenv.PNG(6320, 6320, 8, false), jobs.DefaultMaxDecodedBytes); err != nil {
		t.Errorf("an 8-bit PNG of the same size: %v", err)
	}
}

// A progressive JPEG keeps every coefficient while it decodes: its header
// alone says so, and it costs more than a baseline one.
func TestProgressiveJPEGCostsItsCoefficients(t *testing.T) {
	base := encoded(t, func(b *bytes.Buffer) error { return jpeg.Encode(b, image.NewRGBA(image.Rect(0, 0, 800, 600)), nil) })
	i := bytes.Index(base, []byte{0xFF, 0xC0})
	if i < 0 {
		t.Fatal("no SOF0 in Go's JPEG")
	}
	prog := append([]byte(nil), base...)
	prog[i+1] = 0xC2 // SOF2: the same frame, progressive
	b, _, _, err := jobs.DecodedBytes(base)
	if err != nil {
		t.Fatal(err)
	}
	p, _, _, err := jobs.DecodedBytes(prog)
	if err != nil {
		t.Fatal(err)
	}
	if p-b < 800*600*4*3 {
		t.Errorf("progressive %d, baseline %d: the coefficients (4 bytes a pixel per component) are not counted", p, b)
	}
}
