package testenv

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
)

// PNG writes a PNG of width x height pixels, all zero, in colour type 6
// (RGBA) at depth bits per channel (8 or 16), interlaced (Adam7) or not,
// without holding the image: a file of a few hundred kilobytes that
// declares hundreds of megabytes of pixels. Go's encoder writes neither
// interlaced nor, from a zero image, so small a file.
func PNG(width, height, depth int, interlaced bool) []byte {
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(data)))
		out.Write(n[:])
		body := append([]byte(typ), data...)
		out.Write(body)
		binary.BigEndian.PutUint32(n[:], crc32.ChecksumIEEE(body))
		out.Write(n[:])
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(width))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(height))
	ihdr[8], ihdr[9] = byte(depth), 6
	if interlaced {
		ihdr[12] = 1
	}
	chunk("IHDR", ihdr)
	bpp := 4 * depth / 8
	var idat bytes.Buffer
	z := zlib.NewWriter(&idat)
	row := make([]byte, 1+width*bpp) // filter type 0, then the pixels
	passes := [][4]int{{0, 0, 1, 1}} // x0, y0, dx, dy of each pass
	if interlaced {
		passes = [][4]int{{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}}
	}
	for _, p := range passes {
		w := (width - p[0] + p[2] - 1) / p[2]
		h := (height - p[1] + p[3] - 1) / p[3]
		if w <= 0 || h <= 0 {
			continue
		}
		for range h {
			z.Write(row[:1+w*bpp])
		}
	}
	z.Close()
	chunk("IDAT", idat.Bytes())
	chunk("IEND", nil)
	return out.Bytes()
}
