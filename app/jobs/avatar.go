package jobs

import (
	"bytes"
	"context"
	"fmt"
	"image"
	_ "image/gif" // decoders for the formats an upload may have
	_ "image/jpeg"
	"image/png"

	"golang.org/x/image/draw"

	"github.com/scalezero/scalezero/app"
)

// AvatarKind is the job that turns an uploaded picture into a square avatar:
// the chapter's example of work that leaves the web tier for a worker.
const AvatarKind = "avatar"

// AvatarSize is the side of the avatar in pixels.
const AvatarSize = 128

// MaxPixels bounds what is decoded: a small file may declare a huge image.
const MaxPixels = 40_000_000

// CheckImage reads only the header: the upload is a PNG, JPEG or GIF whose
// size is within MaxPixels. The web tier refuses anything else at once.
func CheckImage(data []byte) error {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("not a PNG, JPEG or GIF image: %w", err)
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width*cfg.Height > MaxPixels {
		return fmt.Errorf("a %s of %dx%d pixels: allowed at most %d pixels", format, cfg.Width, cfg.Height, MaxPixels)
	}
	return nil
}

// Avatar crops the picture's centre square and scales it to AvatarSize, as a
// PNG. An input that does not decode is a permanent error.
func Avatar(ctx context.Context, input []byte, _ string) ([]byte, string, error) {
	if err := CheckImage(input); err != nil {
		return nil, "", fmt.Errorf("%w: %w", app.ErrPermanent, err)
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
