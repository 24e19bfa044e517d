package main

import (
	"fmt"
	"time"
)

// A deliberately broken release, for the e2e's rollback test: an image whose configuration sets
// CONTRACT_APP_BREAK_AFTER (a Go duration) serves normally, passes its readiness probe and
// completes its rollout, then fails readiness from that long after it started, like a release
// that breaks once it takes traffic. Not part of the runtime contract: the platform never sets it.
const breakAfterVariable = "CONTRACT_APP_BREAK_AFTER"

type fault struct {
	started time.Time
	after   time.Duration // 0: never breaks
}

func loadFault(value string, started time.Time) (fault, error) {
	if value == "" {
		return fault{started: started}, nil
	}
	d, err := time.ParseDuration(value)
	if err != nil || d <= 0 {
		return fault{}, fmt.Errorf("%s=%q: want a positive duration such as 30s", breakAfterVariable, value)
	}
	return fault{started: started, after: d}, nil
}

// broken says why readiness must fail now, or "" while the release still works.
func (f fault) broken(now time.Time) string {
	if f.after == 0 || now.Sub(f.started) < f.after {
		return ""
	}
	return fmt.Sprintf("this release is deliberately broken: it fails %s after it started (%s)", f.after, breakAfterVariable)
}
