package observability

import (
	"encoding/json"
	"fmt"
	"html"
	"strings"
)

// SVG draws a dashboard body's layout: each widget a box at its place on the
// grid, with its title (or its row's header), so a reader sees what a
// phase's dashboard holds without an AWS account.
func SVG(body string) (string, error) {
	var d struct {
		Widgets []struct {
			Type                string
			X, Y, Width, Height int
			Properties          struct{ Title, Markdown string }
		}
	}
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		return "", fmt.Errorf("dashboard body: %w", err)
	}
	const unit, row = 40, 20 // pixels per grid column and grid row
	height := 0
	for _, w := range d.Widgets {
		height = max(height, w.Y+w.Height)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", gridWidth*unit, height*row)
	for _, w := range d.Widgets {
		x, y, wd, ht := w.X*unit, w.Y*row, w.Width*unit, w.Height*row
		if w.Type == "text" {
			fmt.Fprintf(&b, `<text x="%d" y="%d" font-weight="bold">%s</text>`+"\n", x+4, y+15, html.EscapeString(strings.TrimPrefix(w.Properties.Markdown, "## ")))
			continue
		}
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="#f4f6f8" stroke="#8a99a8"/>`+"\n", x+2, y+2, wd-4, ht-4)
		fmt.Fprintf(&b, `<text x="%d" y="%d">%s</text>`+"\n", x+8, y+20, html.EscapeString(w.Properties.Title))
	}
	b.WriteString("</svg>\n")
	return b.String(), nil
}
