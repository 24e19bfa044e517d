package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
)

// The HTTP cache part of the contract (docs/runtime-contract.md, "HTTP cache"): cacheable pages
// tagged with X-Cache-Tags, and invalidation by tag sent to every cache pod behind
// APP__HTTP_CACHE__PURGE_HOST (a headless Service: one address per pod) on
// APP__HTTP_CACHE__PURGE_PORT, as FOSHttpCache's Varnish client does.
//
//	GET <any path>/_contract/cached?tags=a,b   a public page, s-maxage=300, tagged a and b
//	POST /_contract/purge?tags=a,b             BAN every object tagged a or b on every cache pod

// HTTPCache is where the app purges; empty when the stack runs no cache tier.
type HTTPCache struct {
	PurgeHost string // APP__HTTP_CACHE__PURGE_HOST
	PurgePort string // APP__HTTP_CACHE__PURGE_PORT
}

const cachedSuffix = "/_contract/cached"

// pages counts the cacheable pages this process rendered: a cache hit serves an earlier number.
var pages atomic.Int64

var tagPattern = regexp.MustCompile(`^[A-Za-z0-9_.:-]+$`)

// parseTags reads "a,b" into tags that are safe inside a ban expression (no regex characters).
func parseTags(raw string) ([]string, error) {
	var tags []string
	for _, t := range strings.Split(raw, ",") {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		if !tagPattern.MatchString(t) {
			return nil, fmt.Errorf("tag %q: use letters, digits and _ . : -", t)
		}
		tags = append(tags, t)
	}
	if len(tags) == 0 {
		return nil, fmt.Errorf("give ?tags=<tag>[,<tag>]")
	}
	return tags, nil
}

// banExpression is FOSHttpCache's tag regex: any of the tags as a whole item of the header list.
func banExpression(tags []string) string {
	quoted := make([]string, len(tags))
	for i, t := range tags {
		quoted[i] = regexp.QuoteMeta(t)
	}
	return "(^|,)(" + strings.Join(quoted, "|") + ")(,|$)"
}

func (a *app) cached(w http.ResponseWriter, r *http.Request) {
	tags, err := parseTags(r.URL.Query().Get("tags"))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	page := pages.Add(1)
	w.Header().Set("Cache-Control", "public, s-maxage=300")
	w.Header().Set("X-Cache-Tags", strings.Join(tags, ","))
	writeJSON(w, http.StatusOK, map[string]any{"service": a.c.Service, "page": page, "tags": tags})
}

type purgeAnswer struct {
	Address string `json:"address"`
	Status  int    `json:"status,omitempty"`
	Error   string `json:"error,omitempty"`
}

func (a *app) purge(w http.ResponseWriter, r *http.Request) {
	if a.c.HTTPCache.PurgeHost == "" {
		writeJSON(w, http.StatusConflict, map[string]string{"error": "no APP__HTTP_CACHE__PURGE_HOST in the contract"})
		return
	}
	tags, err := parseTags(r.URL.Query().Get("tags"))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	answers, err := a.banEveryCachePod(r.Context(), banExpression(tags))
	if err != nil {
		writeJSON(w, http.StatusBadGateway, map[string]string{"error": err.Error()})
		return
	}
	status := http.StatusOK
	for _, x := range answers {
		if x.Status != http.StatusOK {
			status = http.StatusBadGateway
			a.log.Error("Cache invalidation failed", map[string]any{"address": x.Address, "status": x.Status, "error": x.Error})
		}
	}
	if status == http.StatusOK {
		a.log.Info("Cache invalidated", map[string]any{"tags": tags, "pods": len(answers)})
	}
	writeJSON(w, status, map[string]any{"tags": tags, "pods": answers})
}

// banEveryCachePod resolves the headless Service to every cache pod and sends each the BAN.
func (a *app) banEveryCachePod(ctx context.Context, expression string) ([]purgeAnswer, error) {
	addrs, err := net.DefaultResolver.LookupHost(ctx, a.c.HTTPCache.PurgeHost)
	if err != nil {
		return nil, fmt.Errorf("resolving %s: %w", a.c.HTTPCache.PurgeHost, err)
	}
	answers := make([]purgeAnswer, len(addrs))
	for i, addr := range addrs {
		target := net.JoinHostPort(addr, orDefault(a.c.HTTPCache.PurgePort, "8081"))
		answers[i] = purgeAnswer{Address: target}
		req, err := http.NewRequestWithContext(ctx, "BAN", "http://"+target+"/", nil)
		if err != nil {
			answers[i].Error = err.Error()
			continue
		}
		req.Header.Set("X-Cache-Tags", expression)
		res, err := a.client.Do(req)
		if err != nil {
			answers[i].Error = err.Error()
			continue
		}
		res.Body.Close()
		answers[i].Status = res.StatusCode
	}
	return answers, nil
}
