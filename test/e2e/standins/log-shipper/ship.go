package main

import (
	"context"
	"log"
	"strings"
	"time"
)

// The running pipeline: every sync period the sources' targets are resolved again (pods listed,
// relabelled, globbed) and a reader opened for each new file and closed for each file gone; every
// poll interval each reader's new lines go through the source's receivers: the loki.process
// stages, then loki.write. Each entry carries the target's labels and `filename`, the file's path,
// as loki.source.file adds it.

type shipper struct {
	plan         *plan
	disc         *discoverer
	writers      map[string]*lokiWriter
	readers      map[string]*tailer // source id + "\x00" + path
	positions    *positions
	metrics      *metrics
	now          func() time.Time
	pollInterval time.Duration
}

func (s *shipper) syncPeriod() time.Duration {
	period := 10 * time.Second
	for _, src := range s.plan.sources {
		if fm, ok := src.targets.(*fileMatch); ok && fm.syncPeriod < period {
			period = fm.syncPeriod
		}
	}
	return period
}

// sync opens readers for the sources' current files and closes those of files no longer targeted;
// false when a source's targets could not be resolved (its open files are kept).
func (s *shipper) sync(ctx context.Context) bool {
	ok := true
	seen := map[string]bool{}
	for _, src := range s.plan.sources {
		targets, err := s.disc.resolve(ctx, src.targets)
		if err != nil {
			log.Printf("%s: %v (keeping the files already open)", src.name, err)
			s.metrics.add("log_shipper_standin_discovery_errors_total", 1, "component_id", src.name)
			ok = false
			for key := range s.readers {
				if strings.HasPrefix(key, src.name+"\x00") {
					seen[key] = true
				}
			}
			continue
		}
		s.metrics.set("log_shipper_standin_targets", float64(len(targets)), "component_id", src.name)
		for _, t := range targets {
			path := t["__path__"]
			key := src.name + "\x00" + path
			if seen[key] {
				continue // the same file twice: read once
			}
			seen[key] = true
			if s.readers[key] != nil {
				continue
			}
			labels := map[string]string{"filename": path}
			for k, v := range t {
				if !strings.HasPrefix(k, "__") {
					labels[k] = v
				}
			}
			r := &tailer{path: path, diskPath: s.disc.hostRoot + path, labels: labels, source: src}
			from, known := s.positions.get(path)
			if err := r.open(from, src.tailFromEnd && !known); err != nil {
				log.Printf("%s: opening %s: %v", src.name, path, err)
				continue
			}
			s.readers[key] = r
		}
	}
	for key, r := range s.readers {
		if !seen[key] {
			s.read(r) // what was written before it went
			r.close()
			s.positions.remove(r.path)
			delete(s.readers, key)
		}
	}
	s.metrics.set("log_shipper_standin_files_open", float64(len(s.readers)))
	return ok
}

func (s *shipper) read(r *tailer) {
	err := r.poll(func(line string) {
		s.metrics.add("loki_source_file_read_lines_total", 1, "component_id", r.source.name)
		e := &logEntry{labels: copyMap(r.labels), line: line, ts: s.now(), extracted: map[string]any{}, source: r.path}
		s.deliver(r.source.forwardTo, e)
	})
	if err != nil {
		log.Printf("%s: reading %s: %v", r.source.name, r.path, err)
	}
	s.positions.set(r.path, r.offset)
}

func copyMap[V any](m map[string]V) map[string]V {
	out := make(map[string]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func copyEntry(e *logEntry) *logEntry {
	c := *e
	c.labels = copyMap(e.labels)
	c.extracted = copyMap(e.extracted)
	return &c
}

// deliver hands an entry to each receiver (a copy each when there are several).
func (s *shipper) deliver(receivers []receiver, e *logEntry) {
	for i, r := range receivers {
		entry := e
		if i < len(receivers)-1 {
			entry = copyEntry(e)
		}
		switch r := r.(type) {
		case *processor:
			kept := true
			for _, st := range r.stages {
				if kept = st.process(entry); !kept {
					break
				}
			}
			if kept {
				s.deliver(r.forwardTo, entry)
			}
		case *writer:
			s.writers[r.name].enqueue(entry)
		}
	}
}

// run syncs and polls until ctx ends, saving positions every sync. A failed sync is retried
// after retryAfterFailure rather than a whole sync period (Alloy's discovery watches the API and
// recovers as soon as it answers).
const retryAfterFailure = 2 * time.Second

func (s *shipper) run(ctx context.Context) {
	next := func(ok bool) time.Duration {
		if ok {
			return s.syncPeriod()
		}
		return min(retryAfterFailure, s.syncPeriod())
	}
	syncTimer := time.NewTimer(next(s.sync(ctx)))
	pollTick := time.NewTicker(s.pollInterval)
	defer syncTimer.Stop()
	defer pollTick.Stop()
	for {
		select {
		case <-ctx.Done():
			for _, r := range s.readers {
				s.read(r)
				r.close()
			}
			if err := s.positions.save(); err != nil {
				log.Printf("saving positions: %v", err)
			}
			return
		case <-syncTimer.C:
			syncTimer.Reset(next(s.sync(ctx)))
			if err := s.positions.save(); err != nil {
				log.Printf("saving positions: %v", err)
			}
		case <-pollTick.C:
			for _, r := range s.readers {
				s.read(r)
			}
		}
	}
}
