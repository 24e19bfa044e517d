package main

import (
	"bufio"
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
)

func TestLoadContractReadsDependenciesAndStorage(t *testing.T) {
	c := loadContract([]string{
		"SERVER_NAME=:80",
		"CADDY_GLOBAL_OPTIONS=admin :2019\nmetrics",
		"APP__REDIS__PREFIX=content:",
		"APP__CONFIG__HOST=config.platform.svc.cluster.local", "APP__CONFIG__PORT=80", "APP__CONFIG__SCHEME=http",
		"APP__SHORT_LINKS__HOST=short-links.platform.svc.cluster.local", "APP__SHORT_LINKS__PORT=80",
		"APP__STORAGE__ENDPOINT=http://azurite:10000/acct", "APP__STORAGE__ORIGINALS__CONTAINER=media-originals",
	})
	if c.Service != "content" || c.MetricsAddr != ":2019" || c.HTTPAddr != ":80" {
		t.Fatalf("service/addresses: %+v", c)
	}
	if len(c.Dependencies) != 2 || c.Dependencies[0].Target != "config" || c.Dependencies[1].Target != "short-links" {
		t.Fatalf("dependencies: %+v", c.Dependencies)
	}
	if got := c.Dependencies[0].URL("/_contract/ping"); got != "http://config.platform.svc.cluster.local:80/_contract/ping" {
		t.Fatalf("url: %s", got)
	}
	if c.Storage.Containers["originals"] != "media-originals" {
		t.Fatalf("containers: %+v", c.Storage.Containers)
	}
}

func TestPostgresDSNDropsDoctrineParameters(t *testing.T) {
	dsn, err := postgresDSN("postgresql://content:s3cret@postgres:5432/content?serverVersion=17&charset=utf8&sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(dsn, "serverVersion") || strings.Contains(dsn, "charset") || !strings.Contains(dsn, "sslmode=disable") {
		t.Fatalf("dsn: %s", dsn)
	}
	if _, err := postgresDSN("mysql://x@y/z"); err == nil {
		t.Fatal("a mysql:// URL was accepted")
	}
}

func TestRedaction(t *testing.T) {
	if got := redacted("amqp://media:hunter2hunter2@rabbitmq:5672/media"); strings.Contains(got, "hunter2") {
		t.Fatalf("password in %s", got)
	}
}

// A fake Redis that checks the ACL user/password and keeps one key.
func TestCheckRedisAuthenticatesAndUsesThePrefix(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var seen []string
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		r := bufio.NewReader(conn)
		store := map[string]string{}
		for {
			args, err := readCommand(r)
			if err != nil {
				return
			}
			seen = append(seen, strings.Join(args, " "))
			switch strings.ToUpper(args[0]) {
			case "AUTH":
				if len(args) == 3 && args[1] == "content" && args[2] == "pw" {
					conn.Write([]byte("+OK\r\n"))
				} else {
					conn.Write([]byte("-WRONGPASS invalid username-password pair\r\n"))
				}
			case "SET":
				store[args[1]] = args[2]
				conn.Write([]byte("+OK\r\n"))
			case "GET":
				v := store[args[1]]
				conn.Write([]byte("$" + itoa(len(v)) + "\r\n" + v + "\r\n"))
			}
		}
	}()
	if err := checkRedis(context.Background(), "redis://content:pw@"+ln.Addr().String(), "content:"); err != nil {
		t.Fatal(err)
	}
	if len(seen) < 2 || !strings.HasPrefix(seen[1], "SET content:readiness ") {
		t.Fatalf("commands: %v", seen)
	}
}

func readCommand(r *bufio.Reader) ([]string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	n, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
	args := make([]string, 0, n)
	for i := 0; i < n; i++ {
		if _, err := r.ReadString('\n'); err != nil {
			return nil, err
		}
		v, err := r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		args = append(args, strings.TrimRight(v, "\r\n"))
	}
	return args, nil
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestArtisanCommandsMapToTheSymfonyOnes(t *testing.T) {
	cases := []struct {
		command string
		args    []string
		want    string
		wantArg []string
	}{
		{"migrate", []string{"--force"}, "doctrine:migrations:migrate", nil},
		{"queue:work", []string{"--queue=invoices,reminders", "--max-time=3600", "--no-interaction"}, "messenger:consume", []string{"invoices", "reminders", "--time-limit=3600"}},
		{"schedule:run", nil, "schedule:run", nil},
	}
	for _, tc := range cases {
		got, args := artisanCommand(tc.command, tc.args)
		if got != tc.want || strings.Join(args, " ") != strings.Join(tc.wantArg, " ") {
			t.Errorf("artisan %s %v: got %s %v, want %s %v", tc.command, tc.args, got, args, tc.want, tc.wantArg)
		}
	}
}
