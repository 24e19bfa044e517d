package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTailerPositionsTruncationAndTailFromEnd(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "0.log")
	if err := os.WriteFile(path, []byte("one\ntwo\nthr"), 0o644); err != nil {
		t.Fatal(err)
	}
	var got []string
	emit := func(l string) { got = append(got, l) }
	r := &tailer{path: path, diskPath: path}
	if err := r.open(0, false); err != nil {
		t.Fatal(err)
	}
	if err := r.poll(emit); err != nil || strings.Join(got, ",") != "one,two" || r.offset != 8 {
		t.Fatalf("complete lines only: %v (offset %d, %v)", got, r.offset, err)
	}
	r.close()

	// A restart at the saved position ships nothing twice.
	pos, _ := loadPositions(dir)
	pos.set(path, r.offset)
	if err := pos.save(); err != nil {
		t.Fatal(err)
	}
	again, _ := loadPositions(dir)
	from, known := again.get(path)
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	_, _ = f.WriteString("ee\n")
	_ = f.Close()
	got = nil
	r2 := &tailer{path: path, diskPath: path}
	if err := r2.open(from, false); err != nil || !known {
		t.Fatal(err, known)
	}
	if err := r2.poll(emit); err != nil || strings.Join(got, ",") != "three" {
		t.Fatalf("resumed: %v", got)
	}

	// Truncated in place: read again from the start.
	if err := os.WriteFile(path, []byte("new\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got = nil
	_ = r2.poll(emit) // notices the truncation
	_ = r2.poll(emit)
	if strings.Join(got, ",") != "new" {
		t.Fatalf("after truncation: %v", got)
	}
	r2.close()

	// tail_from_end: a file never read before starts at its end.
	got = nil
	r3 := &tailer{path: path, diskPath: path}
	if err := r3.open(0, true); err != nil {
		t.Fatal(err)
	}
	f, _ = os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	_, _ = f.WriteString("later\n")
	_ = f.Close()
	if err := r3.poll(emit); err != nil || strings.Join(got, ",") != "later" {
		t.Fatalf("tail_from_end: %v", got)
	}
	r3.close()
}
