package main

import (
	"compress/flate"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/golang/snappy"
	"google.golang.org/protobuf/encoding/protowire"

	"platform.local/e2e-standins/pushapi"
)

// The bodies POST /loki/api/v1/push takes: JSON (application/json, optionally gzip or deflate
// Content-Encoding), and Loki's own snappy-compressed protobuf (application/x-protobuf), the
// encoding Alloy and Promtail send. The protobuf is decoded field by field from Loki's published
// push schema (logproto.PushRequest: streams = 1 {labels = 1, entries = 2 {timestamp = 1
// {seconds = 1, nanos = 2}, line = 2, structuredMetadata = 3}}), with the BSD-licensed
// golang/snappy and protobuf's protowire, no Loki code.

const maxPushBytes = 16 << 20

type httpError struct {
	status int
	msg    string
}

func (e httpError) Error() string { return e.msg }

// decodePush reads a push request's body into streams.
func decodePush(r *http.Request) ([]pushedStream, error) {
	contentType := r.Header.Get("Content-Type")
	mediaType := ""
	if contentType != "" {
		var err error
		if mediaType, _, err = mime.ParseMediaType(contentType); err != nil {
			return nil, httpError{http.StatusUnsupportedMediaType, fmt.Sprintf("invalid Content-Type %q", contentType)}
		}
	}
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	switch mediaType {
	case "application/json":
		return decodeJSONPush(body)
	case "application/x-protobuf", "":
		// Loki reads a push without a Content-Type as protobuf too.
		return decodeProtobufPush(body)
	}
	return nil, httpError{http.StatusUnsupportedMediaType,
		fmt.Sprintf("unsupported Content-Type %q: the Loki stand-in takes application/json or application/x-protobuf", contentType)}
}

func readBody(r *http.Request) ([]byte, error) {
	var reader io.Reader = http.MaxBytesReader(nil, r.Body, maxPushBytes)
	switch enc := r.Header.Get("Content-Encoding"); enc {
	case "", "identity":
	case "gzip":
		gz, err := gzip.NewReader(reader)
		if err != nil {
			return nil, httpError{http.StatusBadRequest, "invalid gzip body: " + err.Error()}
		}
		reader = gz
	case "deflate":
		reader = flate.NewReader(reader)
	default:
		return nil, httpError{http.StatusUnsupportedMediaType, fmt.Sprintf("unsupported Content-Encoding %q", enc)}
	}
	body, err := io.ReadAll(io.LimitReader(reader, maxPushBytes+1))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) || len(body) > maxPushBytes {
		return nil, httpError{http.StatusRequestEntityTooLarge, fmt.Sprintf("push body larger than %d bytes", maxPushBytes)}
	}
	if err != nil {
		return nil, httpError{http.StatusBadRequest, "reading the body: " + err.Error()}
	}
	return body, nil
}

func decodeJSONPush(body []byte) ([]pushedStream, error) {
	var req pushapi.Request
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, httpError{http.StatusBadRequest, "invalid JSON push body: " + err.Error()}
	}
	out := make([]pushedStream, 0, len(req.Streams))
	for _, s := range req.Streams {
		ps := pushedStream{labels: newLabelSet(s.Labels)}
		for _, e := range s.Entries {
			ps.entries = append(ps.entries, entry{ts: e.UnixNano, line: e.Line})
		}
		out = append(out, ps)
	}
	return out, nil
}

func decodeProtobufPush(body []byte) ([]pushedStream, error) {
	raw, err := snappy.Decode(nil, body)
	if err != nil {
		return nil, httpError{http.StatusBadRequest, "invalid snappy-compressed protobuf push body: " + err.Error()}
	}
	var out []pushedStream
	err = eachField(raw, func(num protowire.Number, typ protowire.Type, value []byte, _ uint64) error {
		if num != 1 || typ != protowire.BytesType {
			return nil // unknown fields are skipped, as protobuf does
		}
		s, err := decodeStream(value)
		if err != nil {
			return err
		}
		out = append(out, s)
		return nil
	})
	if err != nil {
		return nil, httpError{http.StatusBadRequest, "invalid protobuf push body: " + err.Error()}
	}
	return out, nil
}

func decodeStream(raw []byte) (pushedStream, error) {
	var s pushedStream
	var labelsText string
	err := eachField(raw, func(num protowire.Number, typ protowire.Type, value []byte, _ uint64) error {
		switch {
		case num == 1 && typ == protowire.BytesType:
			labelsText = string(value)
		case num == 2 && typ == protowire.BytesType:
			e, err := decodeEntry(value)
			if err != nil {
				return err
			}
			s.entries = append(s.entries, e)
		}
		return nil
	})
	if err != nil {
		return s, err
	}
	if s.labels, err = parseLabels(labelsText); err != nil {
		return s, err
	}
	return s, nil
}

func decodeEntry(raw []byte) (entry, error) {
	var e entry
	var seconds, nanos int64
	err := eachField(raw, func(num protowire.Number, typ protowire.Type, value []byte, _ uint64) error {
		switch {
		case num == 1 && typ == protowire.BytesType:
			return eachField(value, func(n protowire.Number, t protowire.Type, _ []byte, v uint64) error {
				switch {
				case n == 1 && t == protowire.VarintType:
					seconds = int64(v)
				case n == 2 && t == protowire.VarintType:
					nanos = int64(int32(v))
				}
				return nil
			})
		case num == 2 && typ == protowire.BytesType:
			e.line = string(value)
		}
		return nil // structured metadata (3) is not kept
	})
	e.ts = seconds*1_000_000_000 + nanos
	return e, err
}

// eachField calls fn for each field of a protobuf message: the bytes of a length-delimited field,
// the value of a varint field.
func eachField(b []byte, fn func(protowire.Number, protowire.Type, []byte, uint64) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		var value []byte
		var varint uint64
		switch typ {
		case protowire.BytesType:
			value, n = protowire.ConsumeBytes(b)
		case protowire.VarintType:
			varint, n = protowire.ConsumeVarint(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		if err := fn(num, typ, value, varint); err != nil {
			return err
		}
	}
	return nil
}
