package observability

import (
	"encoding/json"
	"fmt"

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
