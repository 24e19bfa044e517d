package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

func TestWriterRetriesServerErrorsAndDropsRefusals(t *testing.T) {
	var calls atomic.Int32
	status := func(n int32) int {
		switch {
		case n <= 2:
			return http.StatusServiceUnavailable // retried
		case n == 3:
			return http.StatusNoContent
		default:
			return http.StatusBadRequest // dropped, not retried
		}
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(status(calls.Add(1)))
	}))
	defer srv.Close()
	m := newMetrics()
	w := newLokiWriter(&writer{name: "loki.write.t", urls: []string{srv.URL}}, m)
	w.minBackoff = time.Millisecond
	b := newBatch()
	w.add(b, &logEntry{labels: map[string]string{"service": "a", "__path__": "/x"}, line: "l", ts: time.Now()})
	w.send(context.Background(), b)
	if calls.Load() != 3 || m.get("loki_write_sent_entries_total", "component_id", "loki.write.t") != 1 {
		t.Fatalf("two 503s retried, then sent: %d calls, %v", calls.Load(), m.values)
	}
	w.send(context.Background(), b)
	if calls.Load() != 4 || m.get("loki_write_dropped_entries_total", "component_id", "loki.write.t", "reason", "refused") != 1 {
		t.Fatalf("a 400 is not retried: %d calls, %v", calls.Load(), m.values)
	}
	for _, s := range b.streams {
		if _, internal := s.Labels["__path__"]; internal {
			t.Error("labels starting with __ are not sent")
		}
	}
}
