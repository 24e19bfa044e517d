// Command contract-app is the runtime contract (docs/runtime-contract.md) made executable: a small
// stand-in for a Symfony service on FrankenPHP. It reads exactly the contract's environment,
// connects to PostgreSQL, Redis, RabbitMQ and the object store with the credentials it is given,
// answers readiness only when they are reachable, serves metrics on Caddy's admin address,
// migrates with real SQL, consumes messages, calls its declared dependencies and logs Monolog's
// JSON to stderr. The platform starts every process as `php bin/console <command>` (the image
// installs this binary as php) or with the image's default command (the web server).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	os.Exit(run(ctx, os.Args))
}

func run(ctx context.Context, argv []string) int {
	c := loadContract(os.Environ())
	log := newLogger(c.LogLevel, c.Service)
	args := argv[1:]
	switch {
	case len(args) >= 2 && args[0] == "bin/console":
		return console(ctx, c, log, args[1], args[2:])
	case len(args) >= 2 && args[0] == "artisan":
		command, rest := artisanCommand(args[1], args[2:])
		return console(ctx, c, log, command, rest)
	case len(args) == 0 || args[0] == "serve":
		if err := serve(ctx, c, log); err != nil {
			log.Error("The server stopped: "+err.Error(), nil)
			return 1
		}
		return 0
	case args[0] == "pause":
		// The pod sandbox's process (stand-in for registry.k8s.io/pause): wait for the end.
		<-ctx.Done()
		return 0
	default:
		fmt.Fprintf(os.Stderr, "usage: %s [serve | bin/console <command> [args] | artisan <command> [args] | pause]\n", filepath.Base(argv[0]))
		return 2
	}
}
