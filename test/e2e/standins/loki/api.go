package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Loki's HTTP API, the subset the e2e and Grafana's Explore need: push, range queries of logs,
// labels and label values, readiness and metrics. Errors are plain text with a 4xx status, as
// Loki answers them; any other path is 404.

type api struct {
	store       *store
	authEnabled bool
	ready       func() bool
	now         func() time.Time
}

// Loki's query defaults and limit (limits_config max_entries_limit_per_query).
const (
	defaultLimit      = 100
	maxEntriesLimit   = 5000
	defaultQuerySince = time.Hour
	defaultLabelSince = 6 * time.Hour
)

func (a *api) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /loki/api/v1/push", a.push)
	mux.HandleFunc("GET /loki/api/v1/query_range", a.queryRange)
	mux.HandleFunc("POST /loki/api/v1/query_range", a.queryRange)
	mux.HandleFunc("GET /loki/api/v1/query", a.instantQuery)
	mux.HandleFunc("POST /loki/api/v1/query", a.instantQuery)
	mux.HandleFunc("GET /loki/api/v1/labels", a.labels)
	mux.HandleFunc("GET /loki/api/v1/label/{name}/values", a.labelValues)
	mux.HandleFunc("GET /ready", a.readiness)
	mux.HandleFunc("GET /metrics", a.metrics)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, fmt.Sprintf("404 page not found: %s %s is not served by the Loki stand-in of the e2e", r.Method, r.URL.Path), http.StatusNotFound)
	})
	return mux
}

// tenant is X-Scope-OrgID with auth_enabled, else Loki's single tenant "fake".
func (a *api) tenant(w http.ResponseWriter, r *http.Request) (string, bool) {
	if !a.authEnabled {
		return "fake", true
	}
	id := r.Header.Get("X-Scope-OrgID")
	if id == "" {
		http.Error(w, "no org id", http.StatusUnauthorized)
		return "", false
	}
	return id, true
}

func fail(w http.ResponseWriter, err error) {
	var he httpError
	if errors.As(err, &he) {
		http.Error(w, he.msg, he.status)
		return
	}
	http.Error(w, err.Error(), http.StatusBadRequest)
}

func (a *api) push(w http.ResponseWriter, r *http.Request) {
	tenant, ok := a.tenant(w, r)
	if !ok {
		return
	}
	streams, err := decodePush(r)
	if err != nil {
		fail(w, err)
		return
	}
	if errs := a.store.push(tenant, streams); len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = e.Error()
		}
		http.Error(w, strings.Join(msgs, "\n"), http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// parseTime reads Loki's timestamp forms: Unix nanoseconds, Unix seconds (at most 10 digits),
// fractional Unix seconds, or RFC 3339.
func parseTime(value string, def time.Time) (time.Time, error) {
	if value == "" {
		return def, nil
	}
	if strings.Contains(value, ".") {
		if f, err := strconv.ParseFloat(value, 64); err == nil {
			sec, frac := math.Modf(f)
			return time.Unix(int64(sec), int64(math.Round(frac*1e9))), nil
		}
	}
	if n, err := strconv.ParseInt(value, 10, 64); err == nil {
		if len(strings.TrimPrefix(value, "-")) <= 10 {
			return time.Unix(n, 0), nil
		}
		return time.Unix(0, n), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, value); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("cannot parse %q to a valid timestamp", value)
}

// timeRange reads start, end and since (end defaults to now, start to end - since).
func timeRange(r *http.Request, now time.Time, defaultSince time.Duration) (start, end time.Time, err error) {
	q := r.URL.Query()
	if end, err = parseTime(q.Get("end"), now); err != nil {
		return
	}
	since := defaultSince
	if s := q.Get("since"); s != "" {
		if since, err = parseDuration(s); err != nil {
			return
		}
	}
	if start, err = parseTime(q.Get("start"), end.Add(-since)); err != nil {
		return
	}
	if end.Before(start) {
		err = fmt.Errorf("end timestamp must not be before or equal to start time")
	}
	return
}

func queryParams(r *http.Request) (limit int, dir direction, err error) {
	q := r.URL.Query()
	limit = defaultLimit
	if s := q.Get("limit"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit <= 0 {
			return 0, 0, fmt.Errorf("limit must be a positive value")
		}
	}
	if limit > maxEntriesLimit {
		return 0, 0, fmt.Errorf("max entries limit per query exceeded, limit > max_entries_limit_per_query (%d > %d)", limit, maxEntriesLimit)
	}
	switch strings.ToLower(q.Get("direction")) {
	case "", "backward":
		dir = backward
	case "forward":
		dir = forward
	default:
		return 0, 0, fmt.Errorf("invalid direction %q: forward or backward", q.Get("direction"))
	}
	return limit, dir, nil
}

func (a *api) queryRange(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		fail(w, err)
		return
	}
	r.URL.RawQuery = r.Form.Encode() // POSTed form values count as query parameters
	tenant, ok := a.tenant(w, r)
	if !ok {
		return
	}
	query, isMetric, err := parseQuery(r.URL.Query().Get("query"))
	if err == nil && isMetric {
		err = errUnsupported{"metric queries"}
	}
	if err != nil {
		fail(w, err)
		return
	}
	start, end, err := timeRange(r, a.now(), defaultQuerySince)
	if err != nil {
		fail(w, err)
		return
	}
	limit, dir, err := queryParams(r)
	if err != nil {
		fail(w, err)
		return
	}
	results := a.store.selectLogs(tenant, selection{
		query: query, start: start.UnixNano(), end: end.UnixNano(), limit: limit, direction: dir,
	})
	type streamJSON struct {
		Stream map[string]string `json:"stream"`
		Values [][2]string       `json:"values"`
	}
	out := make([]streamJSON, len(results))
	for i, res := range results {
		values := make([][2]string, len(res.entries))
		for j, e := range res.entries {
			values[j] = [2]string{strconv.FormatInt(e.ts, 10), e.line}
		}
		out[i] = streamJSON{Stream: res.labels.Map(), Values: values}
	}
	writeJSON(w, map[string]any{
		"status": "success",
		"data":   map[string]any{"resultType": "streams", "result": out},
	})
}

// instantQuery: Loki 3.2 and later refuse a log query there (use query_range); metric queries are
// what it is for, and the stand-in has none.
func (a *api) instantQuery(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		fail(w, err)
		return
	}
	if _, ok := a.tenant(w, r); !ok {
		return
	}
	_, isMetric, err := parseQuery(r.Form.Get("query"))
	switch {
	case err != nil:
		fail(w, err)
	case isMetric:
		fail(w, errUnsupported{"metric queries"})
	default:
		http.Error(w, "log queries are not supported as an instant query type, please change your query to a range query type", http.StatusBadRequest)
	}
}

// selectorParam reads the optional `query` of the label APIs.
func selectorParam(r *http.Request) (*logQuery, error) {
	text := r.URL.Query().Get("query")
	if text == "" {
		return nil, nil
	}
	q, isMetric, err := parseQuery(text)
	if err == nil && (isMetric || len(q.Filters) > 0) {
		err = fmt.Errorf("the label APIs take a stream selector as query, not %q", text)
	}
	return &q, err
}

func (a *api) labels(w http.ResponseWriter, r *http.Request) {
	a.answerLabels(w, r, func(tenant string, start, end int64, q *logQuery) []string {
		return a.store.labelNames(tenant, start, end, q)
	})
}

func (a *api) labelValues(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	a.answerLabels(w, r, func(tenant string, start, end int64, q *logQuery) []string {
		return a.store.labelValues(tenant, name, start, end, q)
	})
}

func (a *api) answerLabels(w http.ResponseWriter, r *http.Request, find func(string, int64, int64, *logQuery) []string) {
	tenant, ok := a.tenant(w, r)
	if !ok {
		return
	}
	start, end, err := timeRange(r, a.now(), defaultLabelSince)
	if err != nil {
		fail(w, err)
		return
	}
	q, err := selectorParam(r)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, map[string]any{"status": "success", "data": find(tenant, start.UnixNano(), end.UnixNano(), q)})
}

func (a *api) readiness(w http.ResponseWriter, _ *http.Request) {
	if !a.ready() {
		http.Error(w, "not ready", http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}

// metrics: Loki's ingestion counters where the stand-in has the same thing, and its own sizes.
func (a *api) metrics(w http.ResponseWriter, _ *http.Request) {
	streams, entries, bytes, s := a.store.sizes()
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	lines := []string{
		"# TYPE loki_distributor_lines_received_total counter",
		fmt.Sprintf("loki_distributor_lines_received_total %d", s.received),
		"# TYPE loki_distributor_bytes_received_total counter",
		fmt.Sprintf("loki_distributor_bytes_received_total %d", s.receivedBytes),
		"# TYPE loki_discarded_samples_total counter",
		fmt.Sprintf(`loki_discarded_samples_total{reason="greater_than_max_sample_age"} %d`, s.discardedTooOld),
		fmt.Sprintf(`loki_discarded_samples_total{reason="too_far_in_future"} %d`, s.discardedTooNew),
		fmt.Sprintf(`loki_discarded_samples_total{reason="line_too_long"} %d`, s.discardedLine),
		fmt.Sprintf(`loki_discarded_samples_total{reason="invalid_labels"} %d`, s.discardedLabels),
		"# HELP loki_standin_streams Streams held in memory by the e2e's Loki stand-in.",
		"# TYPE loki_standin_streams gauge",
		fmt.Sprintf("loki_standin_streams %d", streams),
		"# TYPE loki_standin_entries gauge",
		fmt.Sprintf("loki_standin_entries %d", entries),
		"# TYPE loki_standin_bytes gauge",
		fmt.Sprintf("loki_standin_bytes %d", bytes),
		"# TYPE loki_standin_dropped_entries_total counter",
		fmt.Sprintf(`loki_standin_dropped_entries_total{reason="duplicate"} %d`, s.duplicates),
		fmt.Sprintf(`loki_standin_dropped_entries_total{reason="memory_cap"} %d`, s.evicted),
		fmt.Sprintf(`loki_standin_dropped_entries_total{reason="retention"} %d`, s.expired),
	}
	_, _ = w.Write([]byte(strings.Join(lines, "\n") + "\n"))
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
