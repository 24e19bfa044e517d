package main

import (
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"
)

// Reading the kubelet's log files, implemented by the stand-in itself: each file is read from its
// saved position (or from the start, or the end with tail_from_end) and polled for new complete
// lines (a line is forwarded when its "\n" is written, as loki.source.file documents). A file
// replaced under the same name (the kubelet's rotation: 0.log renamed, a new 0.log) is read to
// its end, then the new file from its start; a truncated file is read again from the start.
// Positions are kept in <storage.path>/positions.json so that a restart does not ship twice.

const maxLineBytes = 1 << 20 // a longer line without "\n" is forwarded as it is

type tailer struct {
	path     string // as the target names it (the `filename` label)
	diskPath string
	labels   map[string]string
	source   *fileSource
	f        *os.File
	ino      uint64
	offset   int64 // bytes of complete lines consumed
	pending  []byte
}

func inode(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Ino
	}
	return 0
}

func (t *tailer) open(from int64, fromEnd bool) error {
	f, err := os.Open(t.diskPath)
	if err != nil {
		return err
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return err
	}
	if from > fi.Size() {
		from = 0 // the file is shorter than the saved position: a new file
	}
	if fromEnd && from == 0 {
		from = fi.Size()
	}
	if _, err := f.Seek(from, io.SeekStart); err != nil {
		_ = f.Close()
		return err
	}
	t.f, t.ino, t.offset, t.pending = f, inode(fi), from, nil
	return nil
}

// poll forwards the complete lines written since the last poll.
func (t *tailer) poll(emit func(line string)) error {
	if err := t.drain(emit); err != nil {
		return err
	}
	fi, err := os.Stat(t.diskPath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // rotated away and not yet recreated: keep the old file until then
	}
	if err != nil {
		return err
	}
	if inode(fi) != t.ino { // rotated: the old file is read to its end above, now the new one
		_ = t.f.Close()
		return t.open(0, false)
	}
	if fi.Size() < t.offset+int64(len(t.pending)) { // truncated
		if _, err := t.f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		t.offset, t.pending = 0, nil
	}
	return nil
}

func (t *tailer) drain(emit func(string)) error {
	buf := make([]byte, 64<<10)
	for {
		n, err := t.f.Read(buf)
		t.pending = append(t.pending, buf[:n]...)
		for {
			i := indexNewline(t.pending)
			if i < 0 {
				if len(t.pending) >= maxLineBytes {
					emit(string(t.pending))
					t.offset += int64(len(t.pending))
					t.pending = nil
				}
				break
			}
			emit(string(t.pending[:i]))
			t.offset += int64(i + 1)
			t.pending = t.pending[i+1:]
		}
		if errors.Is(err, io.EOF) || n == 0 {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func indexNewline(b []byte) int {
	for i, c := range b {
		if c == '\n' {
			return i
		}
	}
	return -1
}

func (t *tailer) close() {
	if t.f != nil {
		_ = t.f.Close()
	}
}

// positions maps a file's path to the offset of its last shipped line.
type positions struct {
	mu   sync.Mutex
	file string
	m    map[string]int64
}

func loadPositions(storagePath string) (*positions, error) {
	p := &positions{file: filepath.Join(storagePath, "positions.json"), m: map[string]int64{}}
	raw, err := os.ReadFile(p.file)
	if errors.Is(err, fs.ErrNotExist) {
		return p, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(raw, &p.m); err != nil {
		p.m = map[string]int64{} // a corrupt file: start over, as Alloy does by default
	}
	return p, nil
}

func (p *positions) get(path string) (int64, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	v, ok := p.m[path]
	return v, ok
}

func (p *positions) set(path string, offset int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.m[path] = offset
}

func (p *positions) remove(path string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.m, path)
}

func (p *positions) save() error {
	p.mu.Lock()
	raw, err := json.Marshal(p.m)
	p.mu.Unlock()
	if err != nil {
		return err
	}
	tmp := p.file + ".tmp"
	if err := os.WriteFile(tmp, raw, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, p.file)
}
