package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang/snappy"
	"google.golang.org/protobuf/encoding/protowire"

	"platform.local/e2e-standins/pushapi"
)

var testNow = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func testLimits() limits {
	return limits{
		retention: 168 * time.Hour, rejectOldSamples: true, rejectOldMaxAge: 168 * time.Hour,
		creationGrace: 10 * time.Minute, maxLineSize: 1024, discoverServiceFor: defaultServiceNameLabels,
	}
}

func newTestServer(t *testing.T, authEnabled bool, maxBytes int) *httptest.Server {
	t.Helper()
	now := func() time.Time { return testNow }
	s := newStore(maxBytes, testLimits(), now)
	srv := httptest.NewServer((&api{store: s, authEnabled: authEnabled, ready: func() bool { return true }, now: now}).routes())
	t.Cleanup(srv.Close)
	return srv
}

func ns(d time.Duration) int64 { return testNow.Add(d).UnixNano() }

func pushJSON(t *testing.T, srv *httptest.Server, req pushapi.Request, header http.Header) *http.Response {
	t.Helper()
	body, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := http.NewRequest(http.MethodPost, srv.URL+"/loki/api/v1/push", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		r.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

type queryAnswer struct {
	Status string `json:"status"`
	Data   struct {
		ResultType string `json:"resultType"`
		Result     []struct {
			Stream map[string]string `json:"stream"`
			Values [][2]string       `json:"values"`
		} `json:"result"`
	} `json:"data"`
}

func get(t *testing.T, srv *httptest.Server, path string, params url.Values) (int, string) {
	t.Helper()
	resp, err := http.Get(srv.URL + path + "?" + params.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func queryRange(t *testing.T, srv *httptest.Server, params url.Values) queryAnswer {
	t.Helper()
	status, body := get(t, srv, "/loki/api/v1/query_range", params)
	if status != http.StatusOK {
		t.Fatalf("query_range %v: %d %s", params, status, body)
	}
	var a queryAnswer
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		t.Fatal(err)
	}
	return a
}

func TestPushThenQueryByServiceAndLevel(t *testing.T) {
	srv := newTestServer(t, false, 1<<20)
	resp := pushJSON(t, srv, pushapi.Request{Streams: []pushapi.Stream{
		{Labels: map[string]string{"service": "content", "level": "error"}, Entries: []pushapi.Entry{
			{UnixNano: ns(-3 * time.Minute), Line: "first"}, {UnixNano: ns(-time.Minute), Line: "third"},
		}},
		{Labels: map[string]string{"service": "content", "level": "info"}, Entries: []pushapi.Entry{
			{UnixNano: ns(-2 * time.Minute), Line: "second", Metadata: map[string]string{"trace": "x"}},
		}},
		{Labels: map[string]string{"service": "search", "level": "error"}, Entries: []pushapi.Entry{
			{UnixNano: ns(-2 * time.Minute), Line: "elsewhere"},
		}},
	}}, nil)
	if resp.StatusCode != http.StatusNoContent {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("push: %d %s", resp.StatusCode, body)
	}
	a := queryRange(t, srv, url.Values{"query": {`{service="content", level="error"}`}})
	if a.Status != "success" || a.Data.ResultType != "streams" || len(a.Data.Result) != 1 {
		t.Fatalf("unexpected answer %+v", a)
	}
	got := a.Data.Result[0]
	if got.Stream["service"] != "content" || got.Stream["level"] != "error" || got.Stream["service_name"] != "content" {
		t.Errorf("labels %v (service_name discovered from service, as Loki 3 does)", got.Stream)
	}
	if len(got.Values) != 2 || got.Values[0][1] != "third" || got.Values[1][1] != "first" {
		t.Errorf("backward by default, newest first: %v", got.Values)
	}
	if got.Values[0][0] != strconv.FormatInt(ns(-time.Minute), 10) {
		t.Errorf("timestamps in Unix nanoseconds: %v", got.Values[0])
	}

	all := queryRange(t, srv, url.Values{"query": {`{service="content"}`}, "direction": {"forward"}, "limit": {"2"}})
	var lines []string
	for _, s := range all.Data.Result {
		for _, v := range s.Values {
			lines = append(lines, v[1])
		}
	}
	if strings.Join(lines, ",") != "first,second" && strings.Join(lines, ",") != "second,first" {
		t.Errorf("forward with limit 2 takes the two oldest over all streams: %v", lines)
	}

	window := queryRange(t, srv, url.Values{
		"query": {`{service=~"content|search"} |= "e" != "first"`},
		"start": {strconv.FormatInt(ns(-150*time.Second), 10)},
		"end":   {testNow.Add(-90 * time.Second).Format(time.RFC3339)},
	})
	lines = nil
	for _, s := range window.Data.Result {
		for _, v := range s.Values {
			lines = append(lines, v[1])
		}
	}
	if strings.Join(lines, ",") != "elsewhere,second" { // level="error" sorts before level="info"
		t.Errorf("start/end window with line filters, streams in label order: %v", lines)
	}

	_, body := get(t, srv, "/loki/api/v1/labels", nil)
	if body != `{"data":["level","service","service_name"],"status":"success"}`+"\n" {
		t.Errorf("labels: %s", body)
	}
	_, body = get(t, srv, "/loki/api/v1/label/level/values", url.Values{"query": {`{service="search"}`}})
	if body != `{"data":["error"],"status":"success"}`+"\n" {
		t.Errorf("label values: %s", body)
	}
}

func protobufPush(labels string, entries map[int64]string) []byte {
	var stream []byte
	stream = protowire.AppendTag(stream, 1, protowire.BytesType)
	stream = protowire.AppendString(stream, labels)
	for ts, line := range entries {
		var timestamp, e []byte
		timestamp = protowire.AppendTag(timestamp, 1, protowire.VarintType)
		timestamp = protowire.AppendVarint(timestamp, uint64(ts/1e9))
		timestamp = protowire.AppendTag(timestamp, 2, protowire.VarintType)
		timestamp = protowire.AppendVarint(timestamp, uint64(ts%1e9))
		e = protowire.AppendTag(e, 1, protowire.BytesType)
		e = protowire.AppendBytes(e, timestamp)
		e = protowire.AppendTag(e, 2, protowire.BytesType)
		e = protowire.AppendString(e, line)
		stream = protowire.AppendTag(stream, 2, protowire.BytesType)
		stream = protowire.AppendBytes(stream, e)
	}
	var req []byte
	req = protowire.AppendTag(req, 1, protowire.BytesType)
	req = protowire.AppendBytes(req, stream)
	return snappy.Encode(nil, req)
}

func TestProtobufPushAndRefusedBodies(t *testing.T) {
	srv := newTestServer(t, false, 1<<20)
	ts := ns(-time.Minute) + 123
	resp, err := http.Post(srv.URL+"/loki/api/v1/push", "application/x-protobuf",
		bytes.NewReader(protobufPush(`{service="billing", level="warning"}`, map[int64]string{ts: "from alloy"})))
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("protobuf push: %v %v", resp.StatusCode, err)
	}
	a := queryRange(t, srv, url.Values{"query": {`{service="billing"}`}})
	if len(a.Data.Result) != 1 || a.Data.Result[0].Values[0] != [2]string{strconv.FormatInt(ts, 10), "from alloy"} {
		t.Errorf("protobuf entry: %+v", a.Data.Result)
	}

	for _, tc := range []struct {
		contentType, body string
		status            int
	}{
		{"text/plain", "hello", http.StatusUnsupportedMediaType},
		{"application/json", "{", http.StatusBadRequest},
		{"application/json", `{"streams":[{"stream":{"a":"b"},"values":[[1,"x"]]}]}`, http.StatusBadRequest},
		{"application/x-protobuf", "not snappy", http.StatusBadRequest},
	} {
		resp, err := http.Post(srv.URL+"/loki/api/v1/push", tc.contentType, strings.NewReader(tc.body))
		if err != nil || resp.StatusCode != tc.status {
			t.Errorf("%s %q: got %v %v, want %d", tc.contentType, tc.body, resp.StatusCode, err, tc.status)
		}
	}
}

func TestGzipJSONPush(t *testing.T) {
	srv := newTestServer(t, false, 1<<20)
	body, _ := json.Marshal(pushapi.Request{Streams: []pushapi.Stream{{
		Labels: map[string]string{"service": "gz"}, Entries: []pushapi.Entry{{UnixNano: ns(-time.Minute), Line: "zipped"}},
	}}})
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	_, _ = zw.Write(body)
	_ = zw.Close()
	r, _ := http.NewRequest(http.MethodPost, srv.URL+"/loki/api/v1/push", &zipped)
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Content-Encoding", "gzip")
	resp, err := http.DefaultClient.Do(r)
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("gzip push: %v %v", resp.StatusCode, err)
	}
	if a := queryRange(t, srv, url.Values{"query": {`{service="gz"}`}}); len(a.Data.Result) != 1 {
		t.Errorf("the gzip body's entry: %+v", a)
	}
}

func TestPushValidation(t *testing.T) {
	srv := newTestServer(t, false, 1<<20)
	resp := pushJSON(t, srv, pushapi.Request{Streams: []pushapi.Stream{
		{Labels: map[string]string{"service": "a"}, Entries: []pushapi.Entry{
			{UnixNano: ns(-169 * time.Hour), Line: "too old"},
			{UnixNano: ns(time.Hour), Line: "too new"},
			{UnixNano: ns(-time.Minute), Line: strings.Repeat("x", 1025)},
			{UnixNano: ns(-time.Minute), Line: "kept"},
			{UnixNano: ns(-time.Minute), Line: "kept"},
		}},
		{Labels: map[string]string{"bad-name": "x"}, Entries: []pushapi.Entry{{UnixNano: ns(-time.Minute), Line: "x"}}},
		{Labels: map[string]string{}, Entries: []pushapi.Entry{{UnixNano: ns(-time.Minute), Line: "x"}}},
	}}, nil)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("want 400, got %d", resp.StatusCode)
	}
	for _, want := range []string{"timestamp too old", "timestamp too new", "max entry size", "invalid label name", "at least one label pair"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("the 400 names %q: %s", want, body)
		}
	}
	a := queryRange(t, srv, url.Values{"query": {`{service="a"}`}})
	if len(a.Data.Result) != 1 || len(a.Data.Result[0].Values) != 1 || a.Data.Result[0].Values[0][1] != "kept" {
		t.Errorf("the valid entry is kept once (duplicates dropped): %+v", a.Data.Result)
	}
}

func TestMemoryCapDropsOldestFirst(t *testing.T) {
	srv := newTestServer(t, false, 10*(entryOverhead+4))
	for i := range 25 {
		pushJSON(t, srv, pushapi.Request{Streams: []pushapi.Stream{{
			Labels:  map[string]string{"service": fmt.Sprintf("s%d", i%3)},
			Entries: []pushapi.Entry{{UnixNano: ns(time.Duration(i-100) * time.Second), Line: fmt.Sprintf("l%03d", i)}},
		}}}, nil)
	}
	a := queryRange(t, srv, url.Values{"query": {`{service=~"s.+"}`}, "direction": {"forward"}, "since": {"1h"}})
	var lines []string
	for _, s := range a.Data.Result {
		for _, v := range s.Values {
			lines = append(lines, v[1])
		}
	}
	if len(lines) != 10 {
		t.Fatalf("the cap keeps 10 entries, got %v", lines)
	}
	for _, l := range lines {
		if l < "l015" {
			t.Errorf("an old entry survived the cap: %s", l)
		}
	}
	_, metrics := get(t, srv, "/metrics", nil)
	if !strings.Contains(metrics, `loki_standin_dropped_entries_total{reason="memory_cap"} 15`) {
		t.Errorf("metrics count the drops:\n%s", metrics)
	}
}

func TestTenantsAndRefusedRequests(t *testing.T) {
	srv := newTestServer(t, true, 1<<20)
	req := pushapi.Request{Streams: []pushapi.Stream{{Labels: map[string]string{"service": "a"}, Entries: []pushapi.Entry{{UnixNano: ns(-time.Minute), Line: "x"}}}}}
	if resp := pushJSON(t, srv, req, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("auth_enabled: a push without X-Scope-OrgID is refused, got %d", resp.StatusCode)
	}
	if resp := pushJSON(t, srv, req, http.Header{"X-Scope-Orgid": {"team-a"}}); resp.StatusCode != http.StatusNoContent {
		t.Errorf("push as team-a: %d", resp.StatusCode)
	}
	r, _ := http.NewRequest(http.MethodGet, srv.URL+"/loki/api/v1/query_range?query="+url.QueryEscape(`{service="a"}`), nil)
	r.Header.Set("X-Scope-OrgID", "team-b")
	resp, _ := http.DefaultClient.Do(r)
	var a queryAnswer
	_ = json.NewDecoder(resp.Body).Decode(&a)
	if len(a.Data.Result) != 0 {
		t.Errorf("team-b sees none of team-a's logs: %+v", a)
	}

	open := newTestServer(t, false, 1<<20)
	for _, tc := range []struct {
		path   string
		params url.Values
		status int
		want   string
	}{
		{"/loki/api/v1/query", url.Values{"query": {`{service="a"}`}}, 400, "not supported as an instant query type"},
		{"/loki/api/v1/query", url.Values{"query": {`count_over_time({service="a"}[5m])`}}, 400, "metric queries"},
		{"/loki/api/v1/query_range", url.Values{"query": {`rate({service="a"}[1m])`}}, 400, "metric queries"},
		{"/loki/api/v1/query_range", url.Values{"query": {`{service="a"} | json`}}, 400, "not supported by the Loki stand-in"},
		{"/loki/api/v1/query_range", url.Values{"query": {`{service="a"}`}, "limit": {"5001"}}, 400, "max entries limit"},
		{"/loki/api/v1/query_range", url.Values{"query": {`{service="a"}`}, "direction": {"sideways"}}, 400, "invalid direction"},
		{"/loki/api/v1/query_range", url.Values{"query": {`{service="a"}`}, "start": {"tomorrow"}}, 400, "valid timestamp"},
		{"/loki/api/v1/query_range", url.Values{"query": {`{service="a"}`}, "start": {"2000000000"}, "end": {"1000000000"}}, 400, "end timestamp"},
		{"/loki/api/v1/series", nil, 404, "not served by the Loki stand-in"},
		{"/ready", nil, 200, "ready"},
	} {
		status, body := get(t, open, tc.path, tc.params)
		if status != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("%s %v: got %d %q, want %d with %q", tc.path, tc.params, status, body, tc.status, tc.want)
		}
	}
}

func TestParseTimeForms(t *testing.T) {
	for value, want := range map[string]time.Time{
		"1764583200":           time.Unix(1764583200, 0),
		"1764583200.5":         time.Unix(1764583200, 500_000_000),
		"1764583200000000000":  time.Unix(0, 1764583200000000000),
		"2026-12-01T10:00:00Z": testNow,
	} {
		got, err := parseTime(value, time.Time{})
		if err != nil || !got.Equal(want) {
			t.Errorf("%s: got %v %v, want %v", value, got, err, want)
		}
	}
}

const platformLikeConfig = `auth_enabled: false
server:
  http_listen_port: 3101
  grpc_listen_port: 9095
common:
  path_prefix: ${DATA_DIR:-/nowhere}
limits_config:
  retention_period: 2d
  reject_old_samples: true
  reject_old_samples_max_age: 1w
  max_line_size: 1KB
compactor:
  retention_enabled: true
`

func TestLoadConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "loki.yaml")
	if err := os.WriteFile(path, []byte(platformLikeConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DATA_DIR", "/var/loki")
	c, err := loadConfig(path, true)
	if err != nil {
		t.Fatal(err)
	}
	if c.authEnabled || c.listen != ":3101" || c.dataPath != "/var/loki" || c.limits.retention != 48*time.Hour ||
		c.limits.rejectOldMaxAge != 7*24*time.Hour || c.limits.maxLineSize != 1024 || len(c.limits.discoverServiceFor) == 0 {
		t.Errorf("config %+v", c)
	}
	defaults, err := loadConfig("", false)
	if err != nil || !defaults.authEnabled || defaults.listen != ":3100" || defaults.limits.retention != 0 {
		t.Errorf("Loki's defaults: %+v %v", defaults, err)
	}
	if err := os.WriteFile(path, []byte("limits_config:\n  retention_period: a week\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loadConfig(path, false); err == nil || !strings.Contains(err.Error(), "retention_period") {
		t.Errorf("a bad duration names its field: %v", err)
	}
}

func TestDataPathMustBeWritable(t *testing.T) {
	dir := t.TempDir()
	if err := checkDataPath(filepath.Join(dir, "loki")); err != nil {
		t.Errorf("a writable data path: %v", err)
	}
	if os.Geteuid() == 0 {
		t.Skip("root writes anywhere: the read-only case cannot be shown as root")
	}
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dir, 0o700)
	if err := checkDataPath(filepath.Join(dir, "other")); err == nil {
		t.Error("a data path that cannot be created fails the start")
	}
}
