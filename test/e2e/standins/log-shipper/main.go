// Command alloy is the e2e's stand-in for Grafana Alloy (docker.io/grafana/alloy:v1.10.2) as the
// platform's log shipper runs it (components/logging/log-shipper.ts), used ONLY by the e2e's real
// node: Alloy's module cannot be fetched here (the Go module proxy answers 403), so this small
// program runs the GENERATED configuration (components/logging/pipeline.ts, alloyConfig) for the
// components and stages that configuration uses, and fails at start-up on anything else. What it
// does and does not do is in test/e2e/README.md, "Stand-ins for Loki and Alloy".
//
// Contract honoured: the image's entrypoint /bin/alloy with `run <config file>` and Alloy's flags
// (--storage.path, --server.http.listen-addr, --stability.level, --disable-reporting), GET
// /-/ready, /-/healthy and /metrics on the listen address, NODE_NAME through sys.env(), the
// ServiceAccount's token for the Kubernetes API, the kubelet's files under /var/log/pods read-only,
// state (positions) under the storage path, nothing written elsewhere (read-only root).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "log-shipper stand-in:", err)
		os.Exit(1)
	}
}

type options struct {
	configPath   string
	storagePath  string
	listenAddr   string
	pollInterval time.Duration
}

// parseArgs reads `run <path> [flags]`, the flags before or after the path, as Alloy takes them.
func parseArgs(args []string) (options, error) {
	if len(args) == 0 || args[0] != "run" {
		return options{}, fmt.Errorf("usage: alloy run <config file or directory> [flags] (the stand-in implements the run command only)")
	}
	var o options
	flags := flag.NewFlagSet("alloy run", flag.ContinueOnError)
	flags.StringVar(&o.storagePath, "storage.path", "data-alloy/", "where the positions of the files read are kept")
	flags.StringVar(&o.listenAddr, "server.http.listen-addr", "127.0.0.1:12345", "address of /-/ready, /-/healthy and /metrics")
	stability := flags.String("stability.level", "generally-available", "accepted: the stand-in implements generally available components only")
	flags.Bool("disable-reporting", false, "accepted: the stand-in reports nothing anywhere")
	flags.DurationVar(&o.pollInterval, "standin.poll-interval", time.Second, "stand-in only: how often open files are read for new lines")
	rest := args[1:]
	var positional []string
	for {
		if err := flags.Parse(rest); err != nil {
			return options{}, err
		}
		if flags.NArg() == 0 {
			break
		}
		positional = append(positional, flags.Arg(0))
		rest = flags.Args()[1:]
	}
	switch *stability {
	case "generally-available", "public-preview", "experimental":
	default:
		return options{}, fmt.Errorf("--stability.level=%s: generally-available, public-preview or experimental", *stability)
	}
	if len(positional) != 1 {
		return options{}, fmt.Errorf("alloy run takes one configuration path, got %q", positional)
	}
	o.configPath = positional[0]
	return o, nil
}

// readConfig reads a file, or every *.alloy file of a directory (in name order), as Alloy does.
func readConfig(path string) (body, error) {
	info, err := os.Stat(path)
	if err != nil {
		return body{}, err
	}
	files := []string{path}
	if info.IsDir() {
		if files, err = filepath.Glob(filepath.Join(path, "*.alloy")); err != nil {
			return body{}, err
		}
		sort.Strings(files)
	}
	var all body
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			return body{}, err
		}
		b, err := parseAlloy(f, string(src))
		if err != nil {
			return body{}, err
		}
		all.attrs = append(all.attrs, b.attrs...)
		all.blocks = append(all.blocks, b.blocks...)
	}
	return all, nil
}

func run(args []string) error {
	o, err := parseArgs(args)
	if err != nil {
		return err
	}
	b, err := readConfig(o.configPath)
	if err != nil {
		return err
	}
	m := newMetrics()
	countDrop := func(component, reason string) {
		m.add("loki_process_dropped_lines_total", 1, "component_id", component, "reason", reason)
	}
	p, err := buildPlan(o.configPath, b, osEvaluator(o.configPath), time.Now, countDrop)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(o.storagePath, 0o700); err != nil {
		return fmt.Errorf("--storage.path: %w", err)
	}
	pos, err := loadPositions(o.storagePath)
	if err != nil {
		return fmt.Errorf("--storage.path: %w", err)
	}
	var kube *kubeClient
	disc := &discoverer{
		hostRoot: os.Getenv("LOG_SHIPPER_STANDIN_HOST_ROOT"),
		kube: func() (*kubeClient, error) {
			if kube != nil {
				return kube, nil
			}
			var err error
			kube, err = newKubeClient(os.Getenv)
			return kube, err
		},
	}
	s := &shipper{
		plan: p, disc: disc, writers: map[string]*lokiWriter{}, readers: map[string]*tailer{},
		positions: pos, metrics: m, now: time.Now, pollInterval: o.pollInterval,
	}
	var urls []string
	stopping := make(chan struct{})
	for _, w := range p.writers {
		lw := newLokiWriter(w, m)
		lw.stopping = stopping
		s.writers[w.name] = lw
		urls = append(urls, w.urls...)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /-/ready", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("Alloy is ready.\n")) })
	mux.HandleFunc("GET /-/healthy", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("All Alloy components are healthy.\n"))
	})
	mux.Handle("GET /metrics", m)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, fmt.Sprintf("%s is not served by the log-shipper stand-in of the e2e", r.URL.Path), http.StatusNotFound)
	})
	server := &http.Server{Addr: o.listenAddr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	serverErr := make(chan error, 1)
	go func() { serverErr <- server.ListenAndServe() }()

	writeCtx, stopWriters := context.WithCancel(context.Background())
	var writers sync.WaitGroup
	for _, w := range s.writers {
		writers.Add(1)
		go func() { defer writers.Done(); w.run(writeCtx) }()
	}
	shipCtx, stopShipping := context.WithCancel(context.Background())
	shipped := make(chan struct{})
	go func() { defer close(shipped); s.run(shipCtx) }()
	log.Printf("log-shipper stand-in: %d source(s), pushing to %s, listening on %s", len(p.sources), strings.Join(urls, ", "), o.listenAddr)

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	var runErr error
	select {
	case err := <-serverErr:
		runErr = err
	case sig := <-stop:
		log.Printf("log-shipper stand-in: %s, shutting down", sig)
	}
	// Files first (what they hold goes to the queues), then the writers' last batches.
	close(stopping)
	stopShipping()
	<-shipped
	stopWriters()
	writers.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := server.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) && runErr == nil {
		runErr = err
	}
	return runErr
}
