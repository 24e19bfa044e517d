package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// The web process: the application on SERVER_NAME (":80") and the metrics on Caddy's admin address
// (":2019"). Readiness is whatever path the catalog names (every path not listed below): 200 only
// when each backing service the contract gives is reachable with its credentials, 503 otherwise.
//
//	GET /_contract/ping          this service answers (what a dependent service calls)
//	GET /_contract/dependencies  calls every APP__<TARGET>__HOST; 200 only if all answered
//	GET /_contract/reach?url=U   one GET of U from inside the pod: shows what NetworkPolicies allow
//	POST /_contract/publish?exchange=E&key=K   publishes the body through Messenger's transport
//	POST /_contract/purge?tags=T invalidates tag T on every cache pod (httpcache.go)
//	GET <path>/_contract/cached  a cacheable, tagged page under any route prefix (httpcache.go)
//	any other path               readiness (the catalog's readinessPath)

type app struct {
	c       Contract
	log     *Logger
	m       *metrics
	db      *sql.DB
	blob    *blobAccount
	client  *http.Client
	mu      sync.Mutex
	checked time.Time
	result  map[string]string
	ready   bool
	fault   fault
}

func serve(ctx context.Context, c Contract, log *Logger) error {
	f, err := loadFault(getenv(breakAfterVariable), time.Now())
	if err != nil {
		return err
	}
	a := &app{c: c, log: log, m: newMetrics(), client: httpClient(3 * time.Second), fault: f}
	if c.DatabaseURL != "" {
		db, err := openPostgres(c.DatabaseURL)
		if err != nil {
			return err
		}
		defer db.Close()
		a.db = db
	}
	if c.Storage.Auth == "connection-string" && c.Storage.ConnectionString != "" {
		acct, err := parseConnectionString(c.Storage.ConnectionString)
		if err != nil {
			return err
		}
		a.blob = &acct
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_contract/ping", a.ping)
	mux.HandleFunc("GET /_contract/dependencies", a.dependencies)
	mux.HandleFunc("GET /_contract/reach", a.reach)
	mux.HandleFunc("POST /_contract/publish", a.publish)
	mux.HandleFunc("POST /_contract/purge", a.purge)
	mux.HandleFunc("/", a.page)
	web := &http.Server{Addr: c.HTTPAddr, Handler: a.count(mux), ReadHeaderTimeout: 5 * time.Second}
	admin := &http.Server{Addr: c.MetricsAddr, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			http.NotFound(w, r)
			return
		}
		a.m.ServeHTTP(w, r)
	}), ReadHeaderTimeout: 5 * time.Second}

	errs := make(chan error, 2)
	for _, s := range []*http.Server{web, admin} {
		ln, err := net.Listen("tcp", s.Addr)
		if err != nil {
			return fmt.Errorf("listening on %s: %w", s.Addr, err)
		}
		go func() { errs <- s.Serve(ln) }()
	}
	log.Info("Serving", map[string]any{"http": c.HTTPAddr, "metrics": c.MetricsAddr, "dependencies": len(c.Dependencies)})
	select {
	case <-ctx.Done():
	case err := <-errs:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	web.Shutdown(shutdown)
	admin.Shutdown(shutdown)
	log.Info("Stopped", nil)
	return nil
}

func (a *app) count(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.m.inc("contract_http_requests_total")
		next.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// page serves what the catch-all receives: a cacheable page under any public route prefix (what
// the cache tier forwards keeps the prefix), else readiness.
func (a *app) page(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, cachedSuffix) {
		a.cached(w, r)
		return
	}
	a.readiness(w, r)
}

func (a *app) ping(w http.ResponseWriter, r *http.Request) {
	a.log.Debug("Ping", map[string]any{"from": r.RemoteAddr})
	writeJSON(w, http.StatusOK, map[string]string{"service": a.c.Service})
}

// readiness runs the backing checks at most every 2 s (probes of several kinds arrive together).
func (a *app) readiness(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	if time.Since(a.checked) > 2*time.Second {
		ctx, cancel := context.WithTimeout(r.Context(), 2500*time.Millisecond)
		a.result, a.ready = a.checkBacking(ctx)
		cancel()
		a.checked = time.Now()
		if !a.ready {
			a.log.Warning("Not ready", map[string]any{"checks": a.result})
		}
	}
	result, ready := a.result, a.ready
	a.mu.Unlock()
	if why := a.fault.broken(time.Now()); why != "" {
		a.log.Error("Not ready", map[string]any{"release": why})
		result, ready = map[string]string{"release": why}, false
	}
	status := http.StatusOK
	if !ready {
		status = http.StatusServiceUnavailable
	}
	writeJSON(w, status, map[string]any{"ready": ready, "checks": result})
}

func (a *app) checkBacking(ctx context.Context) (map[string]string, bool) {
	result := map[string]string{}
	ok := true
	record := func(name string, err error) {
		if err != nil {
			result[name] = err.Error()
			ok = false
		} else {
			result[name] = "ok"
		}
	}
	if a.db != nil {
		record("database", checkPostgres(ctx, a.db))
	}
	if a.c.RedisURL != "" {
		record("redis", checkRedis(ctx, a.c.RedisURL, a.c.RedisPrefix))
	}
	if a.c.LockURL != "" && a.c.LockURL != a.c.RedisURL {
		record("lock", checkRedis(ctx, a.c.LockURL, a.c.RedisPrefix))
	}
	if a.c.MessengerDSN != "" {
		record("messenger", checkAMQP(a.c.MessengerDSN))
	}
	if a.c.Storage.Auth == "workload-identity" {
		record("storage", errors.New("object store: workload-identity auth is not implemented by the contract app"))
	}
	if a.blob != nil {
		for bucket, container := range a.c.Storage.Containers {
			record("storage."+bucket, checkBlobContainer(ctx, *a.blob, container))
		}
	}
	return result, ok
}

func (a *app) dependencies(w http.ResponseWriter, r *http.Request) {
	type answer struct {
		Target string `json:"target"`
		URL    string `json:"url"`
		Status int    `json:"status,omitempty"`
		Error  string `json:"error,omitempty"`
	}
	answers := make([]answer, len(a.c.Dependencies))
	all := true
	var wg sync.WaitGroup
	for i, d := range a.c.Dependencies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := d.URL("/_contract/ping")
			status, err := a.get(r.Context(), u)
			answers[i] = answer{Target: d.Target, URL: u, Status: status}
			if err != nil {
				answers[i].Error = err.Error()
			}
		}()
	}
	wg.Wait()
	for _, x := range answers {
		if x.Status != http.StatusOK {
			all = false
			a.log.Error("Dependency unreachable", map[string]any{"target": x.Target, "error": x.Error, "status": x.Status})
		}
	}
	status := http.StatusOK
	if !all {
		status = http.StatusBadGateway
	}
	writeJSON(w, status, answers)
}

func (a *app) reach(w http.ResponseWriter, r *http.Request) {
	u := r.URL.Query().Get("url")
	status, err := a.get(r.Context(), u)
	res := map[string]any{"url": u, "status": status}
	if err != nil {
		res["error"] = err.Error()
	}
	writeJSON(w, http.StatusOK, res)
}

func (a *app) get(ctx context.Context, u string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	res, err := a.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	io.Copy(io.Discard, io.LimitReader(res.Body, 1<<16))
	return res.StatusCode, nil
}

func (a *app) publish(w http.ResponseWriter, r *http.Request) {
	if a.c.MessengerDSN == "" {
		writeJSON(w, http.StatusConflict, map[string]string{"error": "no MESSENGER_TRANSPORT_DSN in the contract"})
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	q := r.URL.Query()
	if err := publish(r.Context(), a.c.MessengerDSN, q.Get("exchange"), q.Get("key"), body); err != nil {
		writeJSON(w, http.StatusBadGateway, map[string]string{"error": err.Error()})
		return
	}
	a.m.inc("contract_messages_published_total")
	writeJSON(w, http.StatusAccepted, map[string]string{"published": q.Get("exchange") + "/" + q.Get("key")})
}

// httpClient opens a new connection per request: a reused one would outlive a NetworkPolicy that
// now refuses it (conntrack lets established flows through), and the checks must see the policy.
func httpClient(timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, Transport: &http.Transport{DisableKeepAlives: true}}
}
