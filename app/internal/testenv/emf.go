package testenv

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// EMF is one CloudWatch Embedded Metric Format document that ParseEMF found
// valid.
type EMF struct {
	Timestamp  int64
	Directives []EMFDirective
	Root       map[string]any // the other top-level members, numbers as json.Number
}

// EMFDirective is one member of _aws.CloudWatchMetrics.
type EMFDirective struct {
	Namespace  string
	Dimensions [][]string
	Metrics    []EMFMetric
}

// EMFMetric is one metric definition of a directive.
type EMFMetric struct{ Name, Unit string }

// EMFUnits are the units a metric definition may name (CloudWatch's
// StandardUnit, as the specification's JSON schema lists them).
var EMFUnits = []string{
	"Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
	"Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count",
	"Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second",
	"Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
}

// ParseEMF checks one log line against the EMF specification
// (docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html):
// a JSON object and nothing else, at most 256 KB; _aws with an integral
// Timestamp in milliseconds and a non-empty CloudWatchMetrics; each directive
// with exactly Namespace (1-255 characters), Dimensions (one or more sets of
// at most 9 keys, each a string member of the root) and Metrics (1 to 100 definitions,
// each a Name, once, and a Unit from EMFUnits); and each metric a member of
// the root that is a number or an array of 1 to 100 numbers.
func ParseEMF(line []byte) (EMF, error) {
	var doc EMF
	if len(line) > 256<<10 {
		return doc, fmt.Errorf("%d bytes: a log event holds at most 256 KB", len(line))
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	var root map[string]any
	if err := dec.Decode(&root); err != nil {
		return doc, fmt.Errorf("not a JSON object: %w", err)
	}
	if root == nil {
		return doc, errors.New("not a JSON object: null")
	}
	if _, err := dec.Token(); err == nil {
		return doc, errors.New("data after the JSON object")
	}
	aws, ok := root["_aws"].(map[string]any)
	if !ok {
		return doc, errors.New("no _aws object")
	}
	if err := only(aws, "_aws", "Timestamp", "CloudWatchMetrics"); err != nil {
		return doc, err
	}
	ts, ok := aws["Timestamp"].(json.Number)
	n, err := ts.Int64()
	if !ok || err != nil || n < 0 {
		return doc, fmt.Errorf("_aws.Timestamp %v: want whole milliseconds since 1970", aws["Timestamp"])
	}
	doc.Timestamp = n
	directives, ok := aws["CloudWatchMetrics"].([]any)
	if !ok || len(directives) == 0 {
		return doc, errors.New("_aws.CloudWatchMetrics: want a non-empty array of metric directives")
	}
	for i, raw := range directives {
		d, err := directive(raw, root)
		if err != nil {
			return doc, fmt.Errorf("_aws.CloudWatchMetrics[%d]: %w", i, err)
		}
		doc.Directives = append(doc.Directives, d)
	}
	delete(root, "_aws")
	doc.Root = root
	return doc, nil
}

func directive(raw any, root map[string]any) (EMFDirective, error) {
	var d EMFDirective
	obj, ok := raw.(map[string]any)
	if !ok {
		return d, errors.New("not an object")
	}
	if err := only(obj, "directive", "Namespace", "Dimensions", "Metrics"); err != nil {
		return d, err
	}
	if d.Namespace, ok = obj["Namespace"].(string); !ok || d.Namespace == "" || len(d.Namespace) > 255 {
		return d, fmt.Errorf("Namespace %v: want a string of 1 to 255 characters", obj["Namespace"])
	}
	sets, ok := obj["Dimensions"].([]any)
	if !ok || len(sets) == 0 {
		return d, errors.New("Dimensions: want an array of at least one dimension set")
	}
	for _, s := range sets {
		keys, ok := s.([]any)
		if !ok || len(keys) > 9 {
			return d, fmt.Errorf("dimension set %v: want an array of at most 9 keys", s)
		}
		var set []string
		for _, k := range keys {
			name, ok := k.(string)
			if !ok {
				return d, fmt.Errorf("dimension key %v: want a string", k)
			}
			if _, ok := root[name].(string); !ok {
				return d, fmt.Errorf("dimension %s: want a string member of the root, got %v", name, root[name])
			}
			set = append(set, name)
		}
		d.Dimensions = append(d.Dimensions, set)
	}
	defs, ok := obj["Metrics"].([]any)
	if !ok || len(defs) == 0 || len(defs) > 100 {
		return d, errors.New("Metrics: want an array of 1 to 100 metric definitions")
	}
	for _, raw := range defs {
		def, ok := raw.(map[string]any)
		if !ok {
			return d, fmt.Errorf("metric definition %v: not an object", raw)
		}
		if err := only(def, "metric definition", "Name", "Unit"); err != nil {
			return d, err
		}
		name, ok := def["Name"].(string)
		if !ok || name == "" || len(name) > 255 {
			return d, fmt.Errorf("metric Name %v: want a string of 1 to 255 characters", def["Name"])
		}
		if slices.ContainsFunc(d.Metrics, func(m EMFMetric) bool { return m.Name == name }) {
			return d, fmt.Errorf("metric %s defined twice", name)
		}
		unit := "None"
		if u, set := def["Unit"]; set {
			if unit, ok = u.(string); !ok || !slices.Contains(EMFUnits, unit) {
				return d, fmt.Errorf("metric %s: Unit %v is not a CloudWatch unit", name, u)
			}
		}
		if err := target(name, root[name]); err != nil {
			return d, err
		}
		d.Metrics = append(d.Metrics, EMFMetric{Name: name, Unit: unit})
	}
	return d, nil
}

// target checks a metric's value: a number, or an array of 1 to 100 numbers.
func target(name string, v any) error {
	if v == nil {
		return fmt.Errorf("metric %s: no such member at the top level", name)
	}
	if _, ok := v.(json.Number); ok {
		return nil
	}
	arr, ok := v.([]any)
	if !ok || len(arr) == 0 || len(arr) > 100 {
		return fmt.Errorf("metric %s = %v: want a number or an array of 1 to 100 numbers", name, v)
	}
	for _, x := range arr {
		if _, ok := x.(json.Number); !ok {
			return fmt.Errorf("metric %s: %v in its array is not a number", name, x)
		}
	}
	return nil
}

func only(obj map[string]any, what string, allowed ...string) error {
	for k := range obj {
		if !slices.Contains(allowed, k) {
			return fmt.Errorf("%s has a member %q the specification does not define", what, k)
		}
	}
	for _, k := range allowed {
		if _, ok := obj[k]; !ok && k != "Unit" {
			return fmt.Errorf("%s lacks %s", what, k)
		}
	}
	return nil
}

// Values are metric name's values in the document: one for a number, each
// element of an array.
func (d EMF) Values(name string) []float64 {
	var out []float64
	add := func(v any) {
		if n, ok := v.(json.Number); ok {
			f, _ := n.Float64()
			out = append(out, f)
		}
	}
	if arr, ok := d.Root[name].([]any); ok {
		for _, v := range arr {
			add(v)
		}
	} else {
		add(d.Root[name])
	}
	return out
}
