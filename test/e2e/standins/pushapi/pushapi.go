// Package pushapi is the JSON body of Loki's push endpoint (POST /loki/api/v1/push), the one
// interface the two stand-ins share: the log shipper writes it, the Loki stand-in reads it.
//
//	{"streams":[{"stream":{"service":"content"},"values":[["<unix ns>","line"],["<unix ns>","line",{"k":"v"}]]}]}
//
// Written from Loki's HTTP API documentation; the optional third element of a value is the entry's
// structured metadata.
package pushapi

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// Request is one push.
type Request struct {
	Streams []Stream `json:"streams"`
}

// Stream is one label set and its entries.
type Stream struct {
	Labels  map[string]string `json:"stream"`
	Entries []Entry           `json:"values"`
}

// Entry is one line with its timestamp in Unix nanoseconds.
type Entry struct {
	UnixNano int64
	Line     string
	// Metadata is the entry's structured metadata (nil when absent).
	Metadata map[string]string
}

// MarshalJSON writes ["<ns>","line"] or ["<ns>","line",{metadata}].
func (e Entry) MarshalJSON() ([]byte, error) {
	ts := strconv.FormatInt(e.UnixNano, 10)
	if len(e.Metadata) == 0 {
		return json.Marshal([]string{ts, e.Line})
	}
	return json.Marshal([]any{ts, e.Line, e.Metadata})
}

// UnmarshalJSON reads ["<ns>","line"] or ["<ns>","line",{metadata}], the timestamp a decimal string.
func (e *Entry) UnmarshalJSON(data []byte) error {
	var parts []json.RawMessage
	if err := json.Unmarshal(data, &parts); err != nil {
		return fmt.Errorf("a value must be an array [\"<unix ns>\", \"<line>\"]: %w", err)
	}
	if len(parts) != 2 && len(parts) != 3 {
		return fmt.Errorf("a value must have 2 or 3 elements, not %d", len(parts))
	}
	var ts string
	if err := json.Unmarshal(parts[0], &ts); err != nil {
		return fmt.Errorf("a value's timestamp must be a string of Unix nanoseconds: %w", err)
	}
	ns, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("a value's timestamp %q is not Unix nanoseconds", ts)
	}
	if err := json.Unmarshal(parts[1], &e.Line); err != nil {
		return fmt.Errorf("a value's line must be a string: %w", err)
	}
	e.UnixNano = ns
	e.Metadata = nil
	if len(parts) == 3 {
		if err := json.Unmarshal(parts[2], &e.Metadata); err != nil {
			return fmt.Errorf("a value's structured metadata must be an object of strings: %w", err)
		}
	}
	return nil
}
