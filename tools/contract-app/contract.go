package main

import (
	"fmt"
	"net/url"
	"os"
	"sort"
	"strings"
)

// Contract is what docs/runtime-contract.md promises a service: every value comes from the
// environment the platform sets, nothing is baked into the image. A variable the platform does not
// set (a service without a database, say) leaves its part empty and that backing service unused.
type Contract struct {
	Service      string // from APP__REDIS__PREFIX or the pod's name; used in logs only
	HTTPAddr     string // SERVER_NAME, ":80"
	MetricsAddr  string // the address after "admin" in CADDY_GLOBAL_OPTIONS, ":2019"
	LogLevel     string // MONOLOG_LEVEL__DEFAULT
	DatabaseURL  string // DATABASE_URL (Secret)
	RedisURL     string // IN_MEM_STORE__URI (Secret)
	LockURL      string // LOCK_DSN (Secret)
	RedisPrefix  string // APP__REDIS__PREFIX
	MessengerDSN string // MESSENGER_TRANSPORT_DSN (Secret)
	Storage      Storage
	HTTPCache    HTTPCache
	Dependencies []Dependency // APP__<TARGET>__HOST/PORT/SCHEME
}

type Storage struct {
	Endpoint         string            // APP__STORAGE__ENDPOINT
	Account          string            // APP__STORAGE__ACCOUNT
	Auth             string            // APP__STORAGE__AUTH: connection-string | workload-identity
	ConnectionString string            // APP__STORAGE__CONNECTION_STRING (Secret)
	Containers       map[string]string // APP__STORAGE__<BUCKET>__CONTAINER
}

type Dependency struct {
	Target string // the catalog name, lower-cased with "-" (CONTENT -> content)
	Host   string
	Port   string
	Scheme string
}

func (d Dependency) URL(path string) string {
	return fmt.Sprintf("%s://%s%s", d.Scheme, hostPort(d.Host, d.Port), path)
}

func hostPort(host, port string) string {
	if port == "" {
		return host
	}
	return host + ":" + port
}

// Keys of the contract that are not dependency triples although they match APP__*__HOST.
var notDependency = map[string]bool{"STORAGE": true, "REDIS": true, "LOG": true}

func loadContract(environ []string) Contract {
	env := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	c := Contract{
		HTTPAddr:     orDefault(env["SERVER_NAME"], ":80"),
		MetricsAddr:  adminAddr(env["CADDY_GLOBAL_OPTIONS"]),
		LogLevel:     orDefault(env["MONOLOG_LEVEL__DEFAULT"], "warning"),
		DatabaseURL:  env["DATABASE_URL"],
		RedisURL:     env["IN_MEM_STORE__URI"],
		LockURL:      env["LOCK_DSN"],
		RedisPrefix:  env["APP__REDIS__PREFIX"],
		MessengerDSN: env["MESSENGER_TRANSPORT_DSN"],
		Storage: Storage{
			Endpoint:         env["APP__STORAGE__ENDPOINT"],
			Account:          env["APP__STORAGE__ACCOUNT"],
			Auth:             env["APP__STORAGE__AUTH"],
			ConnectionString: env["APP__STORAGE__CONNECTION_STRING"],
			Containers:       map[string]string{},
		},
		HTTPCache: HTTPCache{
			PurgeHost: env["APP__HTTP_CACHE__PURGE_HOST"],
			PurgePort: env["APP__HTTP_CACHE__PURGE_PORT"],
		},
	}
	c.Service = strings.TrimSuffix(c.RedisPrefix, ":")
	if c.Service == "" {
		c.Service = serviceFromHostname(env["HOSTNAME"])
	}
	for k, v := range env {
		if strings.HasPrefix(k, "APP__STORAGE__") && strings.HasSuffix(k, "__CONTAINER") {
			bucket := strings.TrimSuffix(strings.TrimPrefix(k, "APP__STORAGE__"), "__CONTAINER")
			c.Storage.Containers[strings.ToLower(bucket)] = v
			continue
		}
		if !strings.HasPrefix(k, "APP__") || !strings.HasSuffix(k, "__HOST") {
			continue
		}
		key := strings.TrimSuffix(strings.TrimPrefix(k, "APP__"), "__HOST")
		if key == "" || strings.Contains(key, "__") || notDependency[key] {
			continue
		}
		c.Dependencies = append(c.Dependencies, Dependency{
			Target: strings.ToLower(strings.ReplaceAll(key, "_", "-")),
			Host:   v,
			Port:   env["APP__"+key+"__PORT"],
			Scheme: orDefault(env["APP__"+key+"__SCHEME"], "http"),
		})
	}
	sort.Slice(c.Dependencies, func(i, j int) bool { return c.Dependencies[i].Target < c.Dependencies[j].Target })
	return c
}

// adminAddr reads Caddy's "admin <addr>" line, the address the metrics are served on.
func adminAddr(options string) string {
	for _, line := range strings.Split(options, "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && f[0] == "admin" {
			return f[1]
		}
	}
	return ":2019"
}

// serviceFromHostname: "content-web-5d8f7c9b4-x2x7q" -> "content-web" is not the service; only used
// when the contract gives no Redis prefix, for log lines.
func serviceFromHostname(h string) string {
	parts := strings.Split(h, "-")
	if len(parts) > 2 {
		return strings.Join(parts[:len(parts)-2], "-")
	}
	return h
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

// redacted is a URL without its password, for log lines.
func redacted(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	u.RawQuery = ""
	return u.String()
}

func getenv(k string) string { return os.Getenv(k) }
