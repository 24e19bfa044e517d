package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestABrokenReleaseFailsReadinessOnlyAfterItsDelay(t *testing.T) {
	start := time.Now()
	f, err := loadFault("30s", start)
	if err != nil {
		t.Fatal(err)
	}
	a := &app{log: newLogger("critical", ""), m: newMetrics(), fault: f}
	if f.broken(start.Add(29*time.Second)) != "" || f.broken(start.Add(30*time.Second)) == "" {
		t.Fatal("breaks at the wrong time")
	}
	a.fault.started = start.Add(-time.Minute)
	rec := httptest.NewRecorder()
	a.page(rec, httptest.NewRequest(http.MethodGet, "/health/ready", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("readiness of a broken release: %d", rec.Code)
	}
	if _, err := loadFault("soon", start); err == nil {
		t.Fatal("an invalid duration is accepted")
	}
	if never, _ := loadFault("", start); never.broken(start.Add(24*time.Hour)) != "" {
		t.Fatal("breaks without the variable")
	}
}
