// Command loki is the e2e's stand-in for Grafana Loki (docker.io/grafana/loki:3.5.5), used ONLY by
// the e2e's real node: Loki itself is AGPL-licensed and may not be used here, so this small server
// honours the container contract the platform renders for Loki (components/logging/in-cluster-loki.ts)
// and the part of Loki's HTTP API the e2e and Grafana need. What it does and does not do is in
// test/e2e/README.md, "Stand-ins for Loki and Alloy".
//
// Contract honoured: the image's entrypoint /usr/bin/loki with Loki's flags (-config.file,
// -config.expand-env, -target=all), the listen port and limits read from the config file, the
// data path (common.path_prefix) checked writable at start as Loki needs it, uid 10001 on a
// read-only root filesystem (nothing is written outside the data path), GET /ready and /metrics.
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
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "loki stand-in:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	flags := flag.NewFlagSet("loki", flag.ContinueOnError)
	configFile := flags.String("config.file", "", "Loki configuration file (YAML)")
	expandEnv := flags.Bool("config.expand-env", false, "expand ${VAR} and ${VAR:-default} in the configuration file")
	target := flags.String("target", "all", "Loki's target: the stand-in is monolithic, only \"all\"")
	logLevel := flags.String("log.level", "info", "accepted for compatibility; the stand-in logs start-up, errors and shutdown only")
	maxBytes := flags.Int("standin.max-bytes", 64<<20, "stand-in only: bytes of log lines kept in memory; past it the oldest entries are dropped")
	if err := flags.Parse(args); err != nil {
		return err
	}
	_ = logLevel
	if flags.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", flags.Args())
	}
	if *target != "all" {
		return fmt.Errorf("-target=%s: the stand-in runs Loki's monolithic mode only (-target=all)", *target)
	}
	cfg, err := loadConfig(*configFile, *expandEnv)
	if err != nil {
		return err
	}
	if err := checkDataPath(cfg.dataPath); err != nil {
		return err
	}
	s := newStore(*maxBytes, cfg.limits, time.Now)
	var ready atomic.Bool
	a := &api{store: s, authEnabled: cfg.authEnabled, ready: ready.Load, now: time.Now}
	server := &http.Server{Addr: cfg.listen, Handler: a.routes(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- server.ListenAndServe() }()
	ready.Store(true)
	log.Printf("loki stand-in listening on %s (auth_enabled=%v, retention=%s, reject older than %s, memory cap %d bytes)",
		cfg.listen, cfg.authEnabled, cfg.limits.retention, cfg.limits.rejectOldMaxAge, *maxBytes)

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	select {
	case err := <-errc:
		return err
	case sig := <-stop:
		log.Printf("loki stand-in: %s, shutting down", sig)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := server.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
}

// checkDataPath fails the start, as Loki would, when the data path (a volume on a read-only root)
// cannot be written; the stand-in keeps its entries in memory and writes nothing else there.
func checkDataPath(path string) error {
	if path == "" {
		return nil
	}
	if err := os.MkdirAll(path, 0o750); err != nil {
		return fmt.Errorf("common.path_prefix %s: %w", path, err)
	}
	probe, err := os.CreateTemp(path, ".standin-write-check-*")
	if err != nil {
		return fmt.Errorf("common.path_prefix %s is not writable: %w", path, err)
	}
	_ = probe.Close()
	return os.Remove(filepath.Clean(probe.Name()))
}
