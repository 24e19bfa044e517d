package main

import (
	"encoding/json"
	"os"
	"strings"
	"sync"
	"time"
)

// Monolog's JSON shape (what a Symfony service configured by the contract writes): one object per
// line on stderr (APP__LOG__STREAM php://stderr), level_name upper-case. The log shipper promotes
// level_name (lower-cased) to the `level` label.

var levels = map[string]int{
	"debug": 100, "info": 200, "notice": 250, "warning": 300, "error": 400, "critical": 500, "alert": 550, "emergency": 600,
}

type Logger struct {
	mu      sync.Mutex
	min     int
	channel string
	service string
}

func newLogger(level, service string) *Logger {
	min, ok := levels[strings.ToLower(level)]
	if !ok {
		min = levels["warning"]
	}
	return &Logger{min: min, channel: "app", service: service}
}

func (l *Logger) log(level, message string, context map[string]any) {
	n := levels[level]
	if n < l.min {
		return
	}
	if context == nil {
		context = map[string]any{}
	}
	line, _ := json.Marshal(map[string]any{
		"message":    message,
		"context":    context,
		"level":      n,
		"level_name": strings.ToUpper(level),
		"channel":    l.channel,
		"datetime":   time.Now().UTC().Format(time.RFC3339Nano),
		"extra":      map[string]any{"service": l.service},
	})
	l.mu.Lock()
	defer l.mu.Unlock()
	os.Stderr.Write(append(line, '\n'))
}

func (l *Logger) Debug(m string, c map[string]any)   { l.log("debug", m, c) }
func (l *Logger) Info(m string, c map[string]any)    { l.log("info", m, c) }
func (l *Logger) Warning(m string, c map[string]any) { l.log("warning", m, c) }
func (l *Logger) Error(m string, c map[string]any)   { l.log("error", m, c) }
