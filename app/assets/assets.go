// Package assets holds the app's static files and names each by its content
// hash (app.3f2a9c1e.css), so a CDN and browsers may cache them forever: a new
// version is a new name. The infrastructure uploads the same files under the
// same names, so the two can never disagree.
package assets

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"path"
	"sort"
	"strings"
)

//go:embed static
var files embed.FS

// CacheControl is sent with every hashed asset.
const CacheControl = "public, max-age=31536000, immutable"

// Asset is one static file.
type Asset struct {
	Name        string // app.css
	Hashed      string // app.3f2a9c1e.css
	ContentType string
	Body        []byte
}

// Key is the asset's path under the site and in the bucket: static/<hashed>.
func (a Asset) Key() string { return "static/" + a.Hashed }

// HashedName puts the first 32 bits of body's SHA-256, in hex, before
// name's extension: app.css becomes app.3f2a9c1e.css.
func HashedName(name string, body []byte) string {
	sum := sha256.Sum256(body)
	ext := path.Ext(name)
	return strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:4]) + ext
}

// All returns every asset, sorted by name.
func All() ([]Asset, error) {
	var out []Asset
	err := fs.WalkDir(files, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		name := path.Base(p)
		ext := path.Ext(name)
		ctype := mime.TypeByExtension(ext)
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		out = append(out, Asset{
			Name:        name,
			Hashed:      HashedName(name, body),
			ContentType: ctype,
			Body:        body,
		})
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}
