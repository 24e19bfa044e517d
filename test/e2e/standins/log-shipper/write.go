package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"sort"
	"strings"
	"time"

	"platform.local/e2e-standins/pushapi"
)

// loki.write: entries batched (1 s or 1 MiB, Alloy's defaults) and pushed as JSON to every
// endpoint URL of the block, with Alloy's retry policy: 429, 5xx and network errors retried
// with a backoff from 500 ms doubling up to 5 min, at most 10 retries; any other 4xx drops the
// batch (Loki will not take it later either). Labels starting with `__` are not sent.

type lokiWriter struct {
	component      string
	urls           []string
	externalLabels map[string]string
	queue          chan *logEntry
	client         *http.Client
	metrics        *metrics
	batchWait      time.Duration
	batchBytes     int
	minBackoff     time.Duration
	maxBackoff     time.Duration
	maxRetries     int
	// stopping is closed when the process is asked to stop: no more waiting on a Loki that refuses.
	stopping <-chan struct{}
}

func newLokiWriter(w *writer, m *metrics) *lokiWriter {
	return &lokiWriter{
		component: w.name, urls: w.urls, externalLabels: w.externalLabels,
		queue:  make(chan *logEntry, 10_000),
		client: &http.Client{Timeout: 10 * time.Second}, metrics: m,
		batchWait: time.Second, batchBytes: 1 << 20,
		minBackoff: 500 * time.Millisecond, maxBackoff: 5 * time.Minute, maxRetries: 10,
	}
}

// enqueue blocks when the queue is full (the files are read no faster than Loki takes them),
// except once the process is stopping: then an entry that does not fit is dropped and counted.
func (w *lokiWriter) enqueue(e *logEntry) {
	select {
	case w.queue <- e:
		return
	default:
	}
	select {
	case w.queue <- e:
	case <-w.stopping:
		w.metrics.add("loki_write_dropped_entries_total", 1, "component_id", w.component, "reason", "stopping")
	}
}

type batch struct {
	streams map[string]*pushapi.Stream
	bytes   int
	entries int
}

func newBatch() *batch { return &batch{streams: map[string]*pushapi.Stream{}} }

func (w *lokiWriter) add(b *batch, e *logEntry) {
	labels := map[string]string{}
	for k, v := range w.externalLabels {
		labels[k] = v
	}
	for k, v := range e.labels {
		if !strings.HasPrefix(k, "__") && v != "" {
			labels[k] = v
		}
	}
	key := labelKey(labels)
	s := b.streams[key]
	if s == nil {
		s = &pushapi.Stream{Labels: labels}
		b.streams[key] = s
	}
	s.Entries = append(s.Entries, pushapi.Entry{UnixNano: e.ts.UnixNano(), Line: e.line})
	b.bytes += len(e.line)
	b.entries++
}

func labelKey(labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var sb strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&sb, "%s=%q,", k, labels[k])
	}
	return sb.String()
}

// run sends batches until ctx ends, then sends what is queued once more (best effort, 5 s).
func (w *lokiWriter) run(ctx context.Context) {
	b := newBatch()
	timer := time.NewTimer(w.batchWait)
	defer timer.Stop()
	for {
		select {
		case e := <-w.queue:
			w.add(b, e)
			if b.bytes >= w.batchBytes {
				w.send(ctx, b)
				b = newBatch()
			}
		case <-timer.C:
			if b.entries > 0 {
				w.send(ctx, b)
				b = newBatch()
			}
			timer.Reset(w.batchWait)
		case <-ctx.Done():
			for drained := false; !drained; {
				select {
				case e := <-w.queue:
					w.add(b, e)
				default:
					drained = true
				}
			}
			if b.entries > 0 {
				final, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				w.send(final, b)
				cancel()
			}
			return
		}
	}
}

func (w *lokiWriter) send(ctx context.Context, b *batch) {
	req := pushapi.Request{}
	for _, key := range sortedKeys(b.streams) {
		s := b.streams[key]
		sort.SliceStable(s.Entries, func(i, j int) bool { return s.Entries[i].UnixNano < s.Entries[j].UnixNano })
		req.Streams = append(req.Streams, *s)
	}
	body, err := json.Marshal(req)
	if err != nil {
		log.Printf("%s: encoding a batch: %v", w.component, err)
		return
	}
	for _, url := range w.urls {
		w.sendTo(ctx, url, body, b.entries)
	}
}

func (w *lokiWriter) sendTo(ctx context.Context, url string, body []byte, entries int) {
	backoff := w.minBackoff
	for attempt := 0; ; attempt++ {
		status, msg, err := w.post(ctx, url, body)
		switch {
		case err == nil && status/100 == 2:
			w.metrics.add("loki_write_sent_entries_total", float64(entries), "component_id", w.component)
			w.metrics.add("loki_write_sent_bytes_total", float64(len(body)), "component_id", w.component)
			return
		case err == nil && status != http.StatusTooManyRequests && status/100 == 4:
			log.Printf("%s: %s refused a batch of %d entries with %d: %s", w.component, url, entries, status, msg)
			w.metrics.add("loki_write_dropped_entries_total", float64(entries), "component_id", w.component, "reason", "refused")
			return
		}
		if err == nil {
			err = fmt.Errorf("%d: %s", status, msg)
		}
		if attempt >= w.maxRetries || ctx.Err() != nil || w.isStopping() {
			log.Printf("%s: giving up on a batch of %d entries for %s after %d attempts: %v", w.component, entries, url, attempt+1, err)
			w.metrics.add("loki_write_dropped_entries_total", float64(entries), "component_id", w.component, "reason", "retries_exhausted")
			return
		}
		log.Printf("%s: pushing to %s failed (%v); retrying in %s", w.component, url, err, backoff)
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
		case <-w.stopping:
		}
		backoff = min(backoff*2, w.maxBackoff)
	}
}

func (w *lokiWriter) isStopping() bool {
	select {
	case <-w.stopping:
		return true
	default:
		return false
	}
}

func (w *lokiWriter) post(ctx context.Context, url string, body []byte) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "platform-e2e-log-shipper-standin")
	resp, err := w.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	return resp.StatusCode, strings.TrimSpace(string(msg)), nil
}
