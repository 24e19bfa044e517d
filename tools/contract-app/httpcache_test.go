package main

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"
)

func TestCachedPageIsPublicAndTagged(t *testing.T) {
	a := &app{c: Contract{Service: "content"}, log: newLogger("error", "content"), m: newMetrics()}
	rec := httptest.NewRecorder()
	a.page(rec, httptest.NewRequest(http.MethodGet, "/api/content/_contract/cached?tags=article-42,list", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	if got := rec.Header().Get("X-Cache-Tags"); got != "article-42,list" {
		t.Fatalf("X-Cache-Tags %q", got)
	}
	if got := rec.Header().Get("Cache-Control"); got != "public, s-maxage=300" {
		t.Fatalf("Cache-Control %q", got)
	}
	rec = httptest.NewRecorder()
	a.page(rec, httptest.NewRequest(http.MethodGet, "/api/content/_contract/cached?tags=a|b", nil))
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("a tag with regex characters: status %d, want 400", rec.Code)
	}
}

func TestBanExpressionMatchesWholeTagsOnly(t *testing.T) {
	re := regexp.MustCompile(banExpression([]string{"article-4", "list"}))
	for header, want := range map[string]bool{
		"article-4":          true,
		"x,article-4":        true,
		"list,y":             true,
		"article-42":         false,
		"article-4x,listing": false,
	} {
		if re.MatchString(header) != want {
			t.Errorf("%q: match %v, want %v", header, !want, want)
		}
	}
}

func TestPurgeBansOnEveryResolvedCachePod(t *testing.T) {
	var method, tags string
	cache := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		method, tags = r.Method, r.Header.Get("X-Cache-Tags")
		w.WriteHeader(http.StatusOK)
	}))
	defer cache.Close()
	host, port, _ := net.SplitHostPort(cache.Listener.Addr().String())
	a := &app{
		c:      Contract{HTTPCache: HTTPCache{PurgeHost: host, PurgePort: port}},
		log:    newLogger("error", "content"),
		m:      newMetrics(),
		client: httpClient(2 * time.Second),
	}
	rec := httptest.NewRecorder()
	a.purge(rec, httptest.NewRequest(http.MethodPost, "/_contract/purge?tags=article-42", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if method != "BAN" || tags != "(^|,)(article-42)(,|$)" {
		t.Fatalf("the cache got %s with X-Cache-Tags %q", method, tags)
	}
	var body struct{ Pods []purgeAnswer }
	json.Unmarshal(rec.Body.Bytes(), &body)
	if len(body.Pods) != 1 || body.Pods[0].Status != http.StatusOK {
		t.Fatalf("answers %+v", body.Pods)
	}
}

func TestPurgeWithoutACacheTierIsAConflict(t *testing.T) {
	a := &app{log: newLogger("error", ""), m: newMetrics()}
	rec := httptest.NewRecorder()
	a.purge(rec, httptest.NewRequest(http.MethodPost, "/_contract/purge?tags=x", nil))
	if rec.Code != http.StatusConflict {
		t.Fatalf("status %d", rec.Code)
	}
}
