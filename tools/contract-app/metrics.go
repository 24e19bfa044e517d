package main

import (
	"fmt"
	"net/http"
	"sort"
	"sync"
)

// Prometheus text exposition on the metrics address (Caddy's admin :2019/metrics in the real
// image). The startup and liveness probes read it; it never depends on a backing service.

type metrics struct {
	mu       sync.Mutex
	counters map[string]float64
}

func newMetrics() *metrics { return &metrics{counters: map[string]float64{}} }

func (m *metrics) inc(name string) {
	m.mu.Lock()
	m.counters[name]++
	m.mu.Unlock()
}

func (m *metrics) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	names := make([]string, 0, len(m.counters))
	for n := range m.counters {
		names = append(names, n)
	}
	sort.Strings(names)
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	fmt.Fprintln(w, "# TYPE contract_up gauge\ncontract_up 1")
	for _, n := range names {
		fmt.Fprintf(w, "# TYPE %s counter\n%s %g\n", n, n, m.counters[n])
	}
}
