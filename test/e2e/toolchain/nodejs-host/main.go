// Command pulumi-language-nodejs is a small Node.js language host for the Pulumi engine, written for
// this repository's end-to-end test: the upstream host's Go module is not served by the module proxy
// this machine can reach. It speaks the LanguageRuntime gRPC protocol of the published Pulumi SDK
// (github.com/pulumi/pulumi/sdk/v3) and delegates the real work to the Node.js SDK's own entry points
// (@pulumi/pulumi/cmd/run for programs, cmd/run-policy-pack for policy packs, cmd/run-plugin for
// plugins), found in the node_modules of the program or pack being run.
//
// The engine starts it as `pulumi-language-nodejs [--logtostderr] [-v=N] [--tracing URL] ENGINE`,
// reads the port it listens on from the first line of stdout, and talks to it over gRPC. Everything
// it or its node children print afterwards is shown by the engine as plugin output.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

// version is stamped at build time (-ldflags "-X main.version=...").
var version = "0.1.0"

// cliArgs is what the engine passes on the command line.
type cliArgs struct {
	engine   string
	tracing  string
	verbose  string
	toStderr bool
}

// parseArgs accepts the engine's flags in either `-flag=value` or `--flag value` form and keeps the
// last positional argument as the engine address. Unknown flags are ignored: newer engines may add
// some, and none of them change what this host does.
func parseArgs(args []string) (cliArgs, error) {
	var out cliArgs
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") {
			out.engine = a
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		switch name {
		case "tracing":
			if !hasValue && i+1 < len(args) {
				i++
				value = args[i]
			}
			out.tracing = value
		case "v":
			out.verbose = value
		case "logtostderr":
			out.toStderr = true
		}
	}
	if out.engine == "" {
		return out, fmt.Errorf("usage: pulumi-language-nodejs [--tracing URL] ENGINE_ADDRESS")
	}
	return out, nil
}

func main() {
	if len(os.Args) == 2 && (os.Args[1] == "--version" || os.Args[1] == "version") {
		fmt.Println(version)
		return
	}
	args, err := parseArgs(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}

	host := newHost(args)
	cancel := make(chan bool)
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(s *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(s, host)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: could not start the gRPC server: %v\n", err)
		os.Exit(1)
	}
	// The engine reads exactly this line to find us.
	fmt.Printf("%d\n", handle.Port)

	// The engine stops plugins by interrupting their process group (node children included); a
	// plain kill of this process alone must not leave node programs behind either.
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-signals
		host.killAll()
		close(cancel)
	}()

	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: %v\n", err)
		host.killAll()
		os.Exit(1)
	}
	host.killAll()
}
