package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
)

// exitReported is the exit code the Node.js SDK's runners use after they have already reported the
// error to the engine themselves (a RunError, a resource error): the engine should stop without
// adding a message of its own.
const exitReported = 32

// gracePeriod is how long a node child gets between the interrupt and the kill when the engine
// cancels a request.
const gracePeriod = 5 * time.Second

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	args cliArgs

	mu       sync.Mutex
	engine   string
	children map[*exec.Cmd]struct{}
}

func newHost(args cliArgs) *host {
	return &host{args: args, engine: args.engine, children: map[*exec.Cmd]struct{}{}}
}

func (h *host) engineAddress() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.engine
}

func (h *host) track(cmd *exec.Cmd) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.children[cmd] = struct{}{}
}

func (h *host) untrack(cmd *exec.Cmd) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.children, cmd)
}

// killAll terminates every node process this host started and that is still running.
func (h *host) killAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for cmd := range h.children {
		if cmd.Process != nil {
			_ = cmd.Process.Signal(syscall.SIGTERM)
		}
	}
}

// runChild runs cmd, interrupting it (then killing it after gracePeriod) when ctx ends, and waits.
func (h *host) runChild(ctx context.Context, cmd *exec.Cmd) error {
	if err := cmd.Start(); err != nil {
		return err
	}
	h.track(cmd)
	defer h.untrack(cmd)

	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case err := <-done:
			return err
		case <-time.After(gracePeriod):
			_ = cmd.Process.Kill()
			return <-done
		}
	}
}

func (h *host) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	if addr := req.GetEngineAddress(); addr != "" {
		h.mu.Lock()
		h.engine = addr
		h.mu.Unlock()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

// programDir is where the program (or plugin) lives: the directory node_modules is looked up from.
func programDir(info *pulumirpc.ProgramInfo, fallback string) string {
	if d := info.GetProgramDirectory(); d != "" {
		return d
	}
	if d := info.GetRootDirectory(); d != "" {
		return d
	}
	if fallback != "" {
		return fallback
	}
	wd, _ := os.Getwd()
	return wd
}

func (h *host) GetRequiredPlugins(
	_ context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	pkgs, err := resourcePackages(programDir(req.GetInfo(), req.GetPwd())) //nolint:staticcheck
	if err != nil {
		return nil, err
	}
	resp := &pulumirpc.GetRequiredPluginsResponse{}
	for _, p := range pkgs {
		resp.Plugins = append(resp.Plugins, &pulumirpc.PluginDependency{
			Name: p.Name, Kind: "resource", Version: p.Version, Server: p.Server,
		})
	}
	return resp, nil
}

func (h *host) GetRequiredPackages(
	_ context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	pkgs, err := resourcePackages(programDir(req.GetInfo(), ""))
	if err != nil {
		return nil, err
	}
	resp := &pulumirpc.GetRequiredPackagesResponse{}
	for _, p := range pkgs {
		resp.Packages = append(resp.Packages, &pulumirpc.PackageDependency{
			Name: p.Name, Kind: "resource", Version: p.Version, Server: p.Server,
		})
	}
	return resp, nil
}

// InstallDependencies does nothing: the e2e installs node_modules with `npm ci` before any Pulumi
// command runs, and this host must never touch the network.
func (h *host) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, stream pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	msg := fmt.Sprintf("pulumi-language-nodejs (platform e2e host): dependencies of %s are managed by npm; nothing installed\n",
		programDir(req.GetInfo(), req.GetDirectory())) //nolint:staticcheck
	return stream.Send(&pulumirpc.InstallDependenciesResponse{Stdout: []byte(msg)})
}

// runtimeOptions are the `runtime.options` of Pulumi.yaml / PulumiPolicy.yaml.
type runtimeOptions struct {
	typescript    bool
	tsconfig      string
	nodeargs      []string
	transpileOnly *bool
}

func readOptions(info *pulumirpc.ProgramInfo) runtimeOptions {
	opts := runtimeOptions{typescript: true}
	m := info.GetOptions().AsMap()
	if v, ok := truthy(m["typescript"]); ok {
		opts.typescript = v
	}
	if s, ok := m["tsconfig"].(string); ok {
		opts.tsconfig = s
	}
	if s, ok := m["nodeargs"].(string); ok {
		opts.nodeargs = strings.Fields(s)
	}
	if v, ok := truthy(m["transpileOnly"]); ok {
		opts.transpileOnly = &v
	}
	return opts
}

func truthy(v any) (bool, bool) {
	switch t := v.(type) {
	case bool:
		return t, true
	case string:
		b, err := strconv.ParseBool(t)
		return b, err == nil
	}
	return false, false
}

// setEnv returns env with key set to value (an existing entry is replaced).
func setEnv(env []string, key, value string) []string {
	prefix := key + "="
	out := env[:0:0]
	for _, e := range env {
		if !strings.HasPrefix(e, prefix) {
			out = append(out, e)
		}
	}
	return append(out, prefix+value)
}

func nodeBinary() (string, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return "", errors.New("node is not on PATH: the Node.js language host runs programs with the node found there")
	}
	return node, nil
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	dir := programDir(info, req.GetPwd())
	root := info.GetRootDirectory()
	if root == "" {
		root = dir
	}
	pwd := req.GetPwd()
	if pwd == "" {
		pwd = dir
	}
	entry := info.GetEntryPoint()
	if entry == "" {
		entry = req.GetProgram() //nolint:staticcheck
	}
	if entry == "" {
		entry = "."
	}
	opts := readOptions(info)

	node, err := nodeBinary()
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	script, err := sdkScript(dir, "run")
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	args := append([]string{}, opts.nodeargs...)
	args = append(args, script,
		"--monitor="+req.GetMonitorAddress(),
		"--engine="+h.engineAddress(),
		"--project="+req.GetProject(),
		"--stack="+req.GetStack(),
		"--pwd="+pwd,
		"--root-directory="+root,
	)
	if org := req.GetOrganization(); org != "" {
		args = append(args, "--organization="+org)
	}
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	if p := req.GetParallel(); p > 0 {
		args = append(args, "--parallel="+strconv.Itoa(int(p)))
	}
	if h.args.tracing != "" {
		args = append(args, "--tracing="+h.args.tracing)
	}
	args = append(args, entry)
	args = append(args, req.GetArgs()...)

	config, err := json.Marshal(nonNilMap(req.GetConfig()))
	if err != nil {
		return nil, err
	}
	secretKeys, err := json.Marshal(nonNilSlice(req.GetConfigSecretKeys()))
	if err != nil {
		return nil, err
	}
	env := os.Environ()
	env = setEnv(env, "PULUMI_CONFIG", string(config))
	env = setEnv(env, "PULUMI_CONFIG_SECRET_KEYS", string(secretKeys))
	env = setEnv(env, "PULUMI_NODEJS_TYPESCRIPT", strconv.FormatBool(opts.typescript))
	if ts := tsconfigPath(opts, root, pwd); ts != "" {
		env = setEnv(env, "PULUMI_NODEJS_TSCONFIG_PATH", ts)
	}
	if opts.transpileOnly != nil {
		env = setEnv(env, "PULUMI_NODEJS_TRANSPILE_ONLY", strconv.FormatBool(*opts.transpileOnly))
	}

	cmd := exec.Command(node, args...)
	cmd.Dir = pwd
	cmd.Env = env
	// The program's output is the engine's to show: the engine turns every line this plugin prints
	// after its port into program output.
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr

	err = h.runChild(ctx, cmd)
	if err == nil {
		return &pulumirpc.RunResponse{}, nil
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		code := exitErr.ExitCode()
		switch {
		case code == exitReported:
			return &pulumirpc.RunResponse{Bail: true}, nil
		case code < 0:
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("node was stopped by a signal (%v)", exitErr)}, nil
		default:
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", code)}, nil
		}
	}
	return &pulumirpc.RunResponse{Error: fmt.Sprintf("running node: %v", err)}, nil
}

// tsconfigPath: the `tsconfig` runtime option (relative to the project root); otherwise the
// project root's tsconfig.json when the program runs in a sub-directory that has none (main:
// infra/index.ts), so the program is compiled with its own settings; otherwise empty (the SDK then
// looks for tsconfig.json in the program's directory).
func tsconfigPath(opts runtimeOptions, root, pwd string) string {
	if opts.tsconfig != "" {
		if filepath.IsAbs(opts.tsconfig) {
			return opts.tsconfig
		}
		return filepath.Join(root, opts.tsconfig)
	}
	if _, err := os.Stat(filepath.Join(pwd, "tsconfig.json")); err == nil {
		return ""
	}
	if candidate := filepath.Join(root, "tsconfig.json"); fileExists(candidate) {
		return candidate
	}
	return ""
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func nonNilSlice(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// streamWriter forwards a child's output to a RunPlugin stream.
type streamWriter struct {
	mu     *sync.Mutex
	stream pulumirpc.LanguageRuntime_RunPluginServer
	stderr bool
}

func (w streamWriter) Write(p []byte) (int, error) {
	chunk := append([]byte(nil), p...)
	msg := &pulumirpc.RunPluginResponse{}
	if w.stderr {
		msg.Output = &pulumirpc.RunPluginResponse_Stderr{Stderr: chunk}
	} else {
		msg.Output = &pulumirpc.RunPluginResponse_Stdout{Stdout: chunk}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.stream.Send(msg); err != nil {
		return 0, err
	}
	return len(p), nil
}

// RunPlugin runs a plugin written in Node.js. The engine uses it for policy packs (kind
// "analyzer": PulumiPolicy.yaml with runtime nodejs) and for source-based resource plugins. The
// plugin prints its port on stdout; the engine reads it from the stream.
func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest, stream pulumirpc.LanguageRuntime_RunPluginServer) error {
	info := req.GetInfo()
	dir := programDir(info, req.GetProgram()) //nolint:staticcheck
	opts := readOptions(info)

	node, err := nodeBinary()
	if err != nil {
		return err
	}
	args := append([]string{}, opts.nodeargs...)
	switch req.GetKind() {
	case "analyzer":
		// run-policy-pack <engine address> <pack directory>; the engine's args end with its address.
		script, err := sdkScript(dir, "run-policy-pack")
		if err != nil {
			return err
		}
		args = append(args, script)
		args = append(args, req.GetArgs()...)
		args = append(args, dir)
	default:
		// run-plugin <plugin directory> <args...>
		script, err := sdkScript(dir, "run-plugin")
		if err != nil {
			return err
		}
		args = append(args, script, dir)
		args = append(args, req.GetArgs()...)
	}

	env := req.GetEnv()
	if len(env) == 0 {
		env = os.Environ()
	}
	cmd := exec.Command(node, args...)
	// A policy pack reads ./package.json (its version) and ./tsconfig.json: run it in its directory.
	cmd.Dir = dir
	cmd.Env = env
	var mu sync.Mutex
	cmd.Stdout = streamWriter{mu: &mu, stream: stream}
	cmd.Stderr = streamWriter{mu: &mu, stream: stream, stderr: true}

	err = h.runChild(stream.Context(), cmd)
	code := 0
	if err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			return fmt.Errorf("running %s plugin in %s: %w", req.GetKind(), dir, err)
		}
		code = exitErr.ExitCode()
		if code < 0 {
			code = 1
		}
	}
	mu.Lock()
	defer mu.Unlock()
	return stream.Send(&pulumirpc.RunPluginResponse{
		Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(code)},
	})
}

func (h *host) About(ctx context.Context, _ *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	node, err := nodeBinary()
	if err != nil {
		return nil, err
	}
	out, err := exec.CommandContext(ctx, node, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("node --version: %w", err)
	}
	return &pulumirpc.AboutResponse{
		Executable: node,
		Version:    strings.TrimPrefix(strings.TrimSpace(string(out)), "v"),
		Metadata:   map[string]string{"languageHost": "platform e2e pulumi-language-nodejs " + version},
	}, nil
}

func (h *host) GetProgramDependencies(
	_ context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	deps, err := programDependencies(programDir(req.GetInfo(), req.GetPwd())) //nolint:staticcheck
	if err != nil {
		return nil, err
	}
	resp := &pulumirpc.GetProgramDependenciesResponse{}
	for _, d := range deps {
		resp.Dependencies = append(resp.Dependencies, &pulumirpc.DependencyInfo{Name: d.Name, Version: d.Version})
	}
	return resp, nil
}

// Cancel stops every node process this host is running (the engine calls it on Ctrl-C).
func (h *host) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	h.mu.Lock()
	for cmd := range h.children {
		if cmd.Process != nil {
			_ = cmd.Process.Signal(os.Interrupt)
		}
	}
	h.mu.Unlock()
	return &emptypb.Empty{}, nil
}
