package main

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// The part of Loki's configuration file the stand-in reads (the platform renders it in
// components/logging/in-cluster-loki.ts, lokiConfig). Everything else in the file is accepted and
// ignored: the stand-in has no ring, schema, chunk store or compactor. Defaults are Loki's.

type fileConfig struct {
	AuthEnabled *bool `yaml:"auth_enabled"`
	Server      struct {
		HTTPListenAddress string `yaml:"http_listen_address"`
		HTTPListenPort    *int   `yaml:"http_listen_port"`
	} `yaml:"server"`
	Common struct {
		PathPrefix string `yaml:"path_prefix"`
	} `yaml:"common"`
	Limits struct {
		RetentionPeriod        string    `yaml:"retention_period"`
		RejectOldSamples       *bool     `yaml:"reject_old_samples"`
		RejectOldSamplesMaxAge string    `yaml:"reject_old_samples_max_age"`
		CreationGracePeriod    string    `yaml:"creation_grace_period"`
		MaxLineSize            *byteSize `yaml:"max_line_size"`
		DiscoverServiceName    *[]string `yaml:"discover_service_name"`
	} `yaml:"limits_config"`
}

// config is what the stand-in runs with.
type config struct {
	authEnabled bool
	listen      string
	dataPath    string
	limits      limits
}

// Loki's defaults for the settings above (its configuration reference, 3.5).
var defaultServiceNameLabels = []string{
	"service", "app", "application", "app_name", "name", "app_kubernetes_io_name", "container",
	"container_name", "k8s_container_name", "component", "workload", "job", "k8s_job_name",
}

const (
	defaultHTTPPort      = 3100
	defaultRejectOldAge  = 7 * 24 * time.Hour
	defaultCreationGrace = 10 * time.Minute
	defaultMaxLineSize   = 256 * 1024
)

// loadConfig reads `path` (expanding ${VAR} and ${VAR:-default} first when expandEnv, as Loki's
// -config.expand-env does); an empty path gives Loki's defaults.
func loadConfig(path string, expandEnv bool) (config, error) {
	var fc fileConfig
	if path != "" {
		raw, err := os.ReadFile(path)
		if err != nil {
			return config{}, fmt.Errorf("reading -config.file: %w", err)
		}
		text := string(raw)
		if expandEnv {
			text = expandEnvironment(text)
		}
		if err := yaml.Unmarshal([]byte(text), &fc); err != nil {
			return config{}, fmt.Errorf("parsing %s: %w", path, err)
		}
	}
	return fc.resolve(path)
}

func (fc fileConfig) resolve(path string) (config, error) {
	c := config{authEnabled: true, dataPath: fc.Common.PathPrefix}
	if fc.AuthEnabled != nil {
		c.authEnabled = *fc.AuthEnabled
	}
	port := defaultHTTPPort
	if fc.Server.HTTPListenPort != nil {
		port = *fc.Server.HTTPListenPort
	}
	c.listen = fmt.Sprintf("%s:%d", fc.Server.HTTPListenAddress, port)
	l := limits{
		rejectOldSamples:   true,
		rejectOldMaxAge:    defaultRejectOldAge,
		creationGrace:      defaultCreationGrace,
		maxLineSize:        defaultMaxLineSize,
		discoverServiceFor: defaultServiceNameLabels,
	}
	var err error
	field := func(name, value string, into *time.Duration) {
		if value == "" || err != nil {
			return
		}
		if *into, err = parseDuration(value); err != nil {
			err = fmt.Errorf("%s: limits_config.%s: %w", path, name, err)
		}
	}
	field("retention_period", fc.Limits.RetentionPeriod, &l.retention)
	field("reject_old_samples_max_age", fc.Limits.RejectOldSamplesMaxAge, &l.rejectOldMaxAge)
	field("creation_grace_period", fc.Limits.CreationGracePeriod, &l.creationGrace)
	if err != nil {
		return config{}, err
	}
	if fc.Limits.RejectOldSamples != nil {
		l.rejectOldSamples = *fc.Limits.RejectOldSamples
	}
	if fc.Limits.MaxLineSize != nil {
		l.maxLineSize = int(*fc.Limits.MaxLineSize)
	}
	if fc.Limits.DiscoverServiceName != nil {
		l.discoverServiceFor = *fc.Limits.DiscoverServiceName
	}
	c.limits = l
	return c, nil
}

var durationPart = regexp.MustCompile(`(\d+)(ms|y|w|d|h|m|s)`)

// parseDuration reads Loki's (Prometheus') durations: "168h", "7d", "1w", "1h30m", "0s".
func parseDuration(s string) (time.Duration, error) {
	units := map[string]time.Duration{
		"ms": time.Millisecond, "s": time.Second, "m": time.Minute, "h": time.Hour,
		"d": 24 * time.Hour, "w": 7 * 24 * time.Hour, "y": 365 * 24 * time.Hour,
	}
	if s == "0" {
		return 0, nil
	}
	parts := durationPart.FindAllStringSubmatchIndex(s, -1)
	var total time.Duration
	pos := 0
	for _, p := range parts {
		if p[0] != pos {
			break
		}
		n, err := strconv.ParseInt(s[p[2]:p[3]], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		total += time.Duration(n) * units[s[p[4]:p[5]]]
		pos = p[1]
	}
	if pos != len(s) || len(parts) == 0 {
		return 0, fmt.Errorf("invalid duration %q (examples: 168h, 7d, 1w, 1h30m)", s)
	}
	return total, nil
}

// byteSize reads Loki's byte sizes in YAML: a number of bytes or "256KB", "1MB", "1MiB"...
type byteSize int64

func (b *byteSize) UnmarshalYAML(node *yaml.Node) error {
	s := strings.TrimSpace(node.Value)
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1 << 10}, {"MB", 1 << 20}, {"GB", 1 << 30}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			mult, s = u.mult, strings.TrimSuffix(s, u.suffix)
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return fmt.Errorf("invalid byte size %q", node.Value)
	}
	*b = byteSize(n * mult)
	return nil
}

var envReference = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}`)

func expandEnvironment(text string) string {
	return envReference.ReplaceAllStringFunc(text, func(ref string) string {
		m := envReference.FindStringSubmatch(ref)
		if v, ok := os.LookupEnv(m[1]); ok && v != "" {
			return v
		}
		return m[2]
	})
}
