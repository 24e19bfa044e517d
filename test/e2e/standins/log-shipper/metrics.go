package main

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
)

// A few counters in Prometheus' text format, named as Alloy's where the stand-in counts the same
// thing (loki_process_dropped_lines_total is what the platform's drop stage counts with its
// drop_counter_reason), and its own under log_shipper_standin_*.

type metrics struct {
	mu     sync.Mutex
	values map[string]float64 // "name{labels}" -> value
	kinds  map[string]string  // name -> counter|gauge
}

func newMetrics() *metrics {
	return &metrics{values: map[string]float64{}, kinds: map[string]string{}}
}

func series(name string, labels ...string) string {
	if len(labels) == 0 {
		return name
	}
	parts := make([]string, 0, len(labels)/2)
	for i := 0; i+1 < len(labels); i += 2 {
		parts = append(parts, fmt.Sprintf("%s=%q", labels[i], labels[i+1]))
	}
	return name + "{" + strings.Join(parts, ",") + "}"
}

func (m *metrics) add(name string, delta float64, labels ...string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.kinds[name] = "counter"
	m.values[series(name, labels...)] += delta
}

func (m *metrics) set(name string, value float64, labels ...string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.kinds[name] = "gauge"
	m.values[series(name, labels...)] = value
}

func (m *metrics) get(name string, labels ...string) float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.values[series(name, labels...)]
}

func (m *metrics) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	keys := make([]string, 0, len(m.values))
	for k := range m.values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	typed := map[string]bool{}
	for _, k := range keys {
		name, _, _ := strings.Cut(k, "{")
		if !typed[name] {
			fmt.Fprintf(w, "# TYPE %s %s\n", name, m.kinds[name])
			typed[name] = true
		}
		fmt.Fprintf(w, "%s %g\n", k, m.values[k])
	}
}
