package jobs

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	_ "image/gif" // decoders for the formats an upload may have
	_ "image/jpeg"
	"image/png"

	"golang.org/x/image/draw"
	"golang.org/x/sync/semaphore"

	"github.com/scalezero/scalezero/app"
)

// AvatarKind is the job that turns an uploaded picture into a square avatar:
// the chapter's example of work that leaves the web tier for a worker.
const AvatarKind = "avatar"

// AvatarSize is the side of the avatar in pixels.
const AvatarSize = 128

// MaxPixels bounds what is decoded: a small file may declare a huge image.
const MaxPixels = 40_000_000

// DefaultMaxDecodedBytes is what one picture may take to decode and scale
// (DecodedBytes): a 40-megapixel 8-bit RGB(A) PNG or baseline JPEG fits;
// a 16-bit or interlaced one of that size, which takes two to four times
// as much, does not.
const DefaultMaxDecodedBytes = 192 << 20

// DecodedBytes is, from the header alone, an upper bound of the memory that
// decoding the picture and scaling it to an avatar take: the decoded image
// by its colour model and bit depth (8 bytes a pixel for 16-bit RGBA),
// twice that for an interlaced PNG (Go decodes each of Adam7's passes into
// an image of its own before merging them), the coefficients a progressive
// JPEG keeps (4 bytes a pixel per component), and the scaler's buffer.
func DecodedBytes(data []byte) (int64, image.Config, string, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return 0, cfg, format, err
	}
	px := int64(cfg.Width) * int64(cfg.Height)
	n := px * bytesPerPixel(cfg.ColorModel)
	switch format {
	case "png":
		if pngInterlaced(data) {
			n *= 2
		}
	case "jpeg":
		if jpegProgressive(data) {
			n += px * 4 * components(cfg.ColorModel)
		}
		if cfg.ColorModel == color.CMYKModel {
			n *= 2 // decoded as YCCK or CMYK, then converted
		}
	}
	// draw's kernel scaler keeps one [4]float64 per destination column and
	// source row of the crop (the shorter side).
	n += int64(AvatarSize) * int64(min(cfg.Width, cfg.Height)) * 32
	n += AvatarSize*AvatarSize*4 + fixedCost
	return n, cfg, format, nil
}

// fixedCost is what any picture takes beside its pixels: the
// decompressor's window and the avatar's PNG encoder (deflate's tables).
const fixedCost = 2 << 20

func bytesPerPixel(m color.Model) int64 {
	switch m {
	case color.GrayModel, color.AlphaModel:
		return 1
	case color.Gray16Model, color.Alpha16Model:
		return 2
	case color.YCbCrModel:
		return 3 // 4:4:4; subsampled ones take less
	case color.RGBAModel, color.NRGBAModel, color.CMYKModel:
		return 4
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 8 // RGBA64, NRGBA64, or anything else: the most a decoder uses
}

func components(m color.Model) int64 {
	switch m {
	case color.GrayModel:
		return 1
	case color.CMYKModel:
		return 4
	}
	return 3
}

// pngInterlaced reads IHDR's interlace method (byte 28: after the 8-byte
// signature, IHDR's length and type, width, height, bit depth, colour type,
// compression and filter). image.DecodeConfig has checked IHDR is first.
func pngInterlaced(data []byte) bool { return len(data) > 28 && data[28] != 0 }

// jpegProgressive walks the JPEG's segments to its frame header: SOF2 is
// progressive, SOF0 and SOF1 are not. Anything else is taken as the dearer
// kind.
func jpegProgressive(data []byte) bool {
	for i := 2; i+4 <= len(data); {
		if data[i] != 0xFF {
			return true
		}
		switch m := data[i+1]; {
		case m == 0xFF: // fill byte
			i++
		case m == 0xD8 || m == 0x01 || m >= 0xD0 && m <= 0xD7: // no length
			i += 2
		case m == 0xC0 || m == 0xC1:
			return false
		case m == 0xC2 || m == 0xDA:
			return true
		default:
			i += 2 + (int(data[i+2])<<8 | int(data[i+3]))
		}
	}
	return true
}

// CheckImage reads only the header: the upload is a PNG, JPEG or GIF whose
// size is within MaxPixels and whose decoding takes at most maxDecoded
// bytes (DecodedBytes). The web tier refuses anything else at once, and the
// worker before it decodes.
func CheckImage(data []byte, maxDecoded int64) (int64, error) {
	n, cfg, format, err := DecodedBytes(data)
	switch {
	case err != nil:
		return 0, fmt.Errorf("not a PNG, JPEG or GIF image: %w", err)
	case cfg.Width < 1 || cfg.Height < 1 || int64(cfg.Width)*int64(cfg.Height) > MaxPixels:
		return 0, fmt.Errorf("a %s of %dx%d pixels: allowed at most %d pixels", format, cfg.Width, cfg.Height, MaxPixels)
	case n > maxDecoded:
		return 0, fmt.Errorf("a %s of %dx%d pixels takes %d MiB to decode (its colour depth and interlacing included): allowed at most %d MiB",
			format, cfg.Width, cfg.Height, n>>20, maxDecoded>>20)
	}
	return n, nil
}

// Avatars makes avatars within a memory bound: each picture within
// MaxDecoded, and all those a worker decodes at once within the Memory
// semaphore's weight (nil: no worker-wide bound). A picture waits for its
// bytes before it is decoded, so a worker's concurrent jobs cannot together
// take more than the budget, whatever they upload.
type Avatars struct {
	MaxDecoded int64
	Memory     *semaphore.Weighted
}

// NewAvatars bounds each picture to maxDecoded bytes and all of a worker's
// at once to budget (a picture is never allowed more than the budget, or it
// would wait for ever).
func NewAvatars(maxDecoded, budget int64) *Avatars {
	return &Avatars{MaxDecoded: min(maxDecoded, budget), Memory: semaphore.NewWeighted(budget)}
}

// Avatar makes avatars with the default per-picture bound and no
// worker-wide one.
func Avatar(ctx context.Context, input []byte, contentType string) ([]byte, string, error) {
	return (&Avatars{MaxDecoded: DefaultMaxDecodedBytes}).Make(ctx, input, contentType)
}

// Make crops the picture's centre square and scales it to AvatarSize, as a
// PNG. An input that does not decode, or is too large to, is a permanent
// error.
func (a *Avatars) Make(ctx context.Context, input []byte, _ string) ([]byte, string, error) {
	need, err := CheckImage(input, a.MaxDecoded)
	if err != nil {
		return nil, "", fmt.Errorf("%w: %w", app.ErrPermanent, err)
	}
	if a.Memory != nil {
		// A job that times out waiting is retried later, not failed.
		if err := a.Memory.Acquire(ctx, need); err != nil {
			return nil, "", fmt.Errorf("waiting for %d MiB of the worker's memory budget: %w", need>>20, err)
		}
		defer a.Memory.Release(need)
	}
	src, _, err := image.Decode(bytes.NewReader(input))
	if err != nil {
		return nil, "", fmt.Errorf("%w: decoding the picture: %w", app.ErrPermanent, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	b := src.Bounds()
	side := min(b.Dx(), b.Dy())
	crop := image.Rect(0, 0, side, side).Add(b.Min).Add(image.Pt((b.Dx()-side)/2, (b.Dy()-side)/2))
	dst := image.NewRGBA(image.Rect(0, 0, AvatarSize, AvatarSize))
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, crop, draw.Src, nil)
	var out bytes.Buffer
	if err := png.Encode(&out, dst); err != nil {
		return nil, "", err
	}
	return out.Bytes(), "image/png", nil
}
