package main

import (
	"fmt"
	"sort"
	"sync"
	"time"
)

// The stand-in's log store: every entry in memory, per tenant and stream, each stream sorted by
// time. It is bounded: past maxBytes it drops the oldest entries of all streams, and it forgets
// entries older than the retention, so a long e2e cannot grow it without limit. Nothing is
// written to disk (the data path is only checked, see main.go).

type entry struct {
	ts   int64 // Unix nanoseconds
	line string
}

// Bytes an entry counts for against the cap: its line and a fixed overhead.
const entryOverhead = 48

func (e entry) size() int { return len(e.line) + entryOverhead }

type stream struct {
	labels  labelSet
	entries []entry // sorted by ts; entries of equal ts keep their arrival order
}

// insert keeps `entries` sorted and drops an exact duplicate (same time and line), as Loki does.
func (s *stream) insert(e entry) bool {
	i := sort.Search(len(s.entries), func(i int) bool { return s.entries[i].ts > e.ts })
	for j := i - 1; j >= 0 && s.entries[j].ts == e.ts; j-- {
		if s.entries[j].line == e.line {
			return false
		}
	}
	s.entries = append(s.entries, entry{})
	copy(s.entries[i+1:], s.entries[i:])
	s.entries[i] = e
	return true
}

// limits are what limits_config gives the store (see config.go).
type limits struct {
	retention          time.Duration // 0: keep until the cap
	rejectOldSamples   bool
	rejectOldMaxAge    time.Duration
	creationGrace      time.Duration // how far in the future an entry may be
	maxLineSize        int
	discoverServiceFor []string // discover_service_name
}

type store struct {
	mu       sync.RWMutex
	tenants  map[string]map[string]*stream // tenant -> label text -> stream
	bytes    int
	maxBytes int
	limits   limits
	now      func() time.Time
	stats    storeStats
}

type storeStats struct {
	received, receivedBytes, discardedTooOld, discardedTooNew, discardedLine, discardedLabels,
	duplicates, evicted, expired int64
}

func newStore(maxBytes int, l limits, now func() time.Time) *store {
	return &store{tenants: map[string]map[string]*stream{}, maxBytes: maxBytes, limits: l, now: now}
}

// pushedStream is one stream of a push, decoded from JSON or protobuf.
type pushedStream struct {
	labels  labelSet
	entries []entry
}

// push stores what it can and returns one error per refused stream or entry (Loki answers 400
// with them but keeps the valid entries of the same request).
func (s *store) push(tenant string, streams []pushedStream) []error {
	var errs []error
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	streamsOf := s.tenants[tenant]
	if streamsOf == nil {
		streamsOf = map[string]*stream{}
		s.tenants[tenant] = streamsOf
	}
	for _, ps := range streams {
		if err := ps.labels.validate(); err != nil {
			s.stats.discardedLabels += int64(len(ps.entries))
			errs = append(errs, err)
			continue
		}
		ls := ps.labels.withServiceName(s.limits.discoverServiceFor)
		key := ls.String()
		st := streamsOf[key]
		for _, e := range ps.entries {
			s.stats.received++
			s.stats.receivedBytes += int64(len(e.line))
			if err := s.check(ls, e, now); err != nil {
				errs = append(errs, err)
				continue
			}
			if st == nil {
				st = &stream{labels: ls}
				streamsOf[key] = st
			}
			if !st.insert(e) {
				s.stats.duplicates++
				continue
			}
			s.bytes += e.size()
		}
	}
	s.expire(now)
	s.evict()
	return errs
}

func (s *store) check(ls labelSet, e entry, now time.Time) error {
	t := time.Unix(0, e.ts)
	if s.limits.rejectOldSamples && t.Before(now.Add(-s.limits.rejectOldMaxAge)) {
		s.stats.discardedTooOld++
		return fmt.Errorf("entry for stream '%s' has timestamp too old: %s, oldest acceptable timestamp is: %s",
			ls, t.UTC().Format(time.RFC3339), now.Add(-s.limits.rejectOldMaxAge).UTC().Format(time.RFC3339))
	}
	if t.After(now.Add(s.limits.creationGrace)) {
		s.stats.discardedTooNew++
		return fmt.Errorf("entry for stream '%s' has timestamp too new: %s", ls, t.UTC().Format(time.RFC3339))
	}
	if s.limits.maxLineSize > 0 && len(e.line) > s.limits.maxLineSize {
		s.stats.discardedLine++
		return fmt.Errorf("max entry size '%d' bytes exceeded for stream '%s' while adding an entry with length '%d' bytes",
			s.limits.maxLineSize, ls, len(e.line))
	}
	return nil
}

// expire forgets entries older than the retention (Loki's compactor deletes them later; a query
// never returns them in either).
func (s *store) expire(now time.Time) {
	if s.limits.retention <= 0 {
		return
	}
	cutoff := now.Add(-s.limits.retention).UnixNano()
	for _, streamsOf := range s.tenants {
		for key, st := range streamsOf {
			n := sort.Search(len(st.entries), func(i int) bool { return st.entries[i].ts >= cutoff })
			s.drop(streamsOf, key, st, n)
			s.stats.expired += int64(n)
		}
	}
}

// evict drops the oldest entries of all tenants' streams until the store fits its cap.
func (s *store) evict() {
	for s.bytes > s.maxBytes {
		var oldest *stream
		var oldestOf map[string]*stream
		var oldestKey string
		for _, streamsOf := range s.tenants {
			for key, st := range streamsOf {
				if oldest == nil || st.entries[0].ts < oldest.entries[0].ts {
					oldest, oldestOf, oldestKey = st, streamsOf, key
				}
			}
		}
		if oldest == nil {
			return
		}
		s.drop(oldestOf, oldestKey, oldest, 1)
		s.stats.evicted++
	}
}

// drop removes the first n entries of a stream, and the stream when it is empty.
func (s *store) drop(streamsOf map[string]*stream, key string, st *stream, n int) {
	if n == 0 {
		return
	}
	for _, e := range st.entries[:n] {
		s.bytes -= e.size()
	}
	// Resliced, not copied: dropping one entry at a time stays O(1), and the next append that
	// outgrows the array copies only the live entries, releasing the dropped ones.
	st.entries = st.entries[n:]
	if len(st.entries) == 0 {
		delete(streamsOf, key)
	}
}

type direction int

const (
	backward direction = iota // newest first, Loki's default
	forward
)

type selection struct {
	query      logQuery
	start, end int64 // [start, end) in Unix nanoseconds
	limit      int
	direction  direction
}

// streamResult is one stream of a query's answer, its entries in the query's direction.
type streamResult struct {
	labels  labelSet
	entries []entry
}

// selectLogs answers a log query: the `limit` newest (backward) or oldest (forward) matching entries
// over all streams, grouped by stream, streams in label order.
func (s *store) selectLogs(tenant string, sel selection) []streamResult {
	s.mu.RLock()
	defer s.mu.RUnlock()
	type hit struct {
		st *stream
		e  entry
	}
	var hits []hit
	cutoff := int64(0)
	if s.limits.retention > 0 {
		cutoff = s.now().Add(-s.limits.retention).UnixNano()
	}
	for _, st := range s.tenants[tenant] {
		if !sel.query.selects(st.labels) {
			continue
		}
		from := sort.Search(len(st.entries), func(i int) bool { return st.entries[i].ts >= max(sel.start, cutoff) })
		for _, e := range st.entries[from:] {
			if e.ts >= sel.end {
				break
			}
			if sel.query.keeps(e.line) {
				hits = append(hits, hit{st, e})
			}
		}
	}
	sort.SliceStable(hits, func(i, j int) bool {
		if sel.direction == forward {
			return hits[i].e.ts < hits[j].e.ts
		}
		return hits[i].e.ts > hits[j].e.ts
	})
	if len(hits) > sel.limit {
		hits = hits[:sel.limit]
	}
	byStream := map[*stream]*streamResult{}
	var out []*streamResult
	for _, h := range hits {
		r := byStream[h.st]
		if r == nil {
			r = &streamResult{labels: h.st.labels}
			byStream[h.st] = r
			out = append(out, r)
		}
		r.entries = append(r.entries, h.e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].labels.String() < out[j].labels.String() })
	results := make([]streamResult, len(out))
	for i, r := range out {
		results[i] = *r
	}
	return results
}

// labelNames and labelValues answer the label APIs: the names (or one name's values) of the
// streams with an entry in [start, end), optionally only the streams `q` selects.
func (s *store) labelNames(tenant string, start, end int64, q *logQuery) []string {
	return s.collect(tenant, start, end, q, func(ls labelSet, add func(string)) {
		for _, l := range ls {
			add(l.Name)
		}
	})
}

func (s *store) labelValues(tenant, name string, start, end int64, q *logQuery) []string {
	return s.collect(tenant, start, end, q, func(ls labelSet, add func(string)) {
		if v, ok := ls.get(name); ok {
			add(v)
		}
	})
}

func (s *store) collect(tenant string, start, end int64, q *logQuery, each func(labelSet, func(string))) []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	seen := map[string]bool{}
	for _, st := range s.tenants[tenant] {
		if q != nil && !q.selects(st.labels) {
			continue
		}
		i := sort.Search(len(st.entries), func(i int) bool { return st.entries[i].ts >= start })
		if i == len(st.entries) || st.entries[i].ts >= end {
			continue
		}
		each(st.labels, func(v string) { seen[v] = true })
	}
	out := make([]string, 0, len(seen))
	for v := range seen {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// sizes reports the store's streams, entries and bytes (for /metrics).
func (s *store) sizes() (streams, entries, bytes int, stats storeStats) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, streamsOf := range s.tenants {
		streams += len(streamsOf)
		for _, st := range streamsOf {
			entries += len(st.entries)
		}
	}
	return streams, entries, s.bytes, s.stats
}
