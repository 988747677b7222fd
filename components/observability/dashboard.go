package observability

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/scalezero/scalezero/components/shared"
)

// Metric is one metric of a widget or an alarm.
type Metric struct {
	Namespace  string
	Name       string
	Dimensions map[string]string
	Stat       string // Sum, Average, Maximum, Minimum, p99
	Label      string
	Region     string // where it is published
}

// DimensionNames returns the metric's dimension names, sorted.
func (m Metric) DimensionNames() []string { return shared.SortedKeys(m.Dimensions) }

// Widget is one graph of a dashboard.
type Widget struct {
	Title   string
	Metrics []Metric
}

// Row is one tier's line of widgets, under a header.
type Row struct {
	Title   string
	Widgets []Widget
}

// Dashboard geometry: CloudWatch's grid is 24 units wide.
const (
	gridWidth    = 24
	widgetWidth  = 8
	widgetHeight = 6
	headerHeight = 1
)

// Body renders rows as a CloudWatch dashboard body: each row a text header
// and its widgets, three to a line. region is the dashboard's own (widgets
// of metrics published elsewhere name their region).
func Body(region string, rows []Row) (string, error) {
	var widgets []map[string]any
	y := 0
	for _, row := range rows {
		widgets = append(widgets, map[string]any{
			"type": "text", "x": 0, "y": y, "width": gridWidth, "height": headerHeight,
			"properties": map[string]any{"markdown": "## " + row.Title},
		})
		y += headerHeight
		for i, w := range row.Widgets {
			if len(w.Metrics) == 0 {
				return "", fmt.Errorf("widget %q of row %q has no metric", w.Title, row.Title)
			}
			var metrics [][]any
			for _, m := range w.Metrics {
				entry := []any{m.Namespace, m.Name}
				for _, d := range m.DimensionNames() {
					entry = append(entry, d, m.Dimensions[d])
				}
				opts := map[string]any{"stat": m.Stat}
				if m.Label != "" {
					opts["label"] = m.Label
				}
				if m.Region != "" && m.Region != region {
					opts["region"] = m.Region
				}
				metrics = append(metrics, append(entry, opts))
			}
			widgetRegion := region
			if r := w.Metrics[0].Region; r != "" {
				widgetRegion = r
			}
			widgets = append(widgets, map[string]any{
				"type":  "metric",
				"x":     (i % (gridWidth / widgetWidth)) * widgetWidth,
				"y":     y + (i/(gridWidth/widgetWidth))*widgetHeight,
				"width": widgetWidth, "height": widgetHeight,
				"properties": map[string]any{
					"title": w.Title, "region": widgetRegion, "view": "timeSeries",
					"period": 60, "metrics": metrics,
				},
			})
		}
		y += ((len(row.Widgets) + 2) / 3) * widgetHeight
	}
	out, err := json.Marshal(map[string]any{"widgets": widgets})
	return string(out), err
}

// Validate checks a dashboard body the way CloudWatch reads it: widgets on
// the 24-column grid, each metric widget with metrics, and every metric one
// that exists with those dimensions in the region the widget reads it from.
// It returns the rows' titles, in order.
func Validate(body string) ([]string, error) {
	var d struct {
		Widgets []struct {
			Type                string
			X, Y, Width, Height int
			Properties          struct {
				Title, Region, Markdown string
				Metrics                 [][]any
			}
		}
	}
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	var rows []string
	for _, w := range d.Widgets {
		p := w.Properties
		if w.X < 0 || w.Y < 0 || w.Width < 1 || w.Height < 1 || w.X+w.Width > gridWidth {
			return nil, fmt.Errorf("widget %q is off the grid (x %d, width %d)", p.Title, w.X, w.Width)
		}
		switch w.Type {
		case "text":
			rows = append(rows, strings.TrimPrefix(p.Markdown, "## "))
			continue
		case "metric":
		default:
			return nil, fmt.Errorf("widget %q has type %q", p.Title, w.Type)
		}
		if len(p.Metrics) == 0 || p.Region == "" {
			return nil, fmt.Errorf("widget %q has %d metrics, region %q", p.Title, len(p.Metrics), p.Region)
		}
		for _, m := range p.Metrics {
			if len(m) < 3 || len(m)%2 != 1 {
				return nil, fmt.Errorf("widget %q: metric %v is not [namespace, name, dimension, value, ..., options]", p.Title, m)
			}
			region := p.Region
			if opts, ok := m[len(m)-1].(map[string]any); ok {
				if r, ok := opts["region"].(string); ok {
					region = r
				}
			}
			var dims []string
			for i := 2; i+1 < len(m); i += 2 {
				name, _ := m[i].(string)
				if value, _ := m[i+1].(string); name == "" || value == "" {
					return nil, fmt.Errorf("widget %q: a dimension of %v has no name or value", p.Title, m)
				}
				dims = append(dims, name)
			}
			ns, _ := m[0].(string)
			name, _ := m[1].(string)
			if err := Check(ns, name, dims, region); err != nil {
				return nil, fmt.Errorf("widget %q: %w", p.Title, err)
			}
		}
	}
	return rows, nil
}
