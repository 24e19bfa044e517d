package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// A Redis client of a few commands over RESP, enough for the contract: AUTH with the ACL user and
// password of IN_MEM_STORE__URI, then SET/GET a key under the service's prefix (the ACL confines
// each service to "<service>:*"). rediss:// (TLS, Azure Managed Redis) is not spoken here.

type redisConn struct {
	c net.Conn
	r *bufio.Reader
}

func dialRedis(ctx context.Context, raw string) (*redisConn, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "redis" {
		return nil, fmt.Errorf("redis: the DSN is not a redis:// URL")
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "6379")
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, fmt.Errorf("redis: %w", err)
	}
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	} else {
		c.SetDeadline(time.Now().Add(5 * time.Second))
	}
	rc := &redisConn{c: c, r: bufio.NewReader(c)}
	if u.User != nil {
		pass, _ := u.User.Password()
		args := []string{"AUTH", pass}
		if name := u.User.Username(); name != "" {
			args = []string{"AUTH", name, pass}
		}
		if _, err := rc.do(args...); err != nil {
			c.Close()
			return nil, fmt.Errorf("redis: AUTH as %q: %w", u.User.Username(), err)
		}
	}
	return rc, nil
}

func (rc *redisConn) Close() error { return rc.c.Close() }

// do sends one command and reads one reply (simple string, error, integer, bulk string or nil).
func (rc *redisConn) do(args ...string) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := rc.c.Write([]byte(b.String())); err != nil {
		return "", err
	}
	line, err := rc.r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", fmt.Errorf("empty reply")
	}
	switch line[0] {
	case '+', ':':
		return line[1:], nil
	case '-':
		return "", fmt.Errorf("%s", line[1:])
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil {
			return "", err
		}
		if n < 0 {
			return "", nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(rc.r, buf); err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	}
	return "", fmt.Errorf("unexpected reply %q", line)
}

// checkRedis: the credentials work and the service may write and read its own keyspace.
func checkRedis(ctx context.Context, dsn, prefix string) error {
	rc, err := dialRedis(ctx, dsn)
	if err != nil {
		return err
	}
	defer rc.Close()
	key := prefix + "readiness"
	stamp := strconv.FormatInt(time.Now().UnixNano(), 10)
	if _, err := rc.do("SET", key, stamp, "EX", "60"); err != nil {
		return fmt.Errorf("redis: SET %s: %w", key, err)
	}
	got, err := rc.do("GET", key)
	if err != nil || got != stamp {
		return fmt.Errorf("redis: GET %s: %v (read %q)", key, err, got)
	}
	return nil
}
