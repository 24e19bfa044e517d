package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}

// nodeModulesDirs lists the node_modules directories Node.js would search from dir, nearest first.
func nodeModulesDirs(dir string) []string {
	var dirs []string
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	for d := abs; ; d = filepath.Dir(d) {
		candidate := filepath.Join(d, "node_modules")
		if st, err := os.Stat(candidate); err == nil && st.IsDir() {
			dirs = append(dirs, candidate)
		}
		if parent := filepath.Dir(d); parent == d {
			break
		}
	}
	return dirs
}

// sdkScript finds @pulumi/pulumi/cmd/<name>/index.js as Node.js would resolve it from dir: the
// program runs on the SDK it depends on.
func sdkScript(dir, name string) (string, error) {
	for _, nm := range nodeModulesDirs(dir) {
		script := filepath.Join(nm, "@pulumi", "pulumi", "cmd", name, "index.js")
		if fileExists(script) {
			return script, nil
		}
	}
	return "", fmt.Errorf(
		"cannot find @pulumi/pulumi/cmd/%s from %s: install the program's dependencies (npm ci) first", name, dir)
}

type packageJSON struct {
	Name            string            `json:"name"`
	Version         string            `json:"version"`
	Dependencies    map[string]string `json:"dependencies"`
	DevDependencies map[string]string `json:"devDependencies"`
	Pulumi          *struct {
		Resource bool   `json:"resource"`
		Name     string `json:"name"`
		Version  string `json:"version"`
		Server   string `json:"server"`
	} `json:"pulumi"`
}

func readPackageJSON(path string) (*packageJSON, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var p packageJSON
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &p, nil
}

type resourcePackage struct {
	Name, Version, Server string
}

// packageDirs lists the package directories directly inside a node_modules directory
// (`<nm>/<name>` and `<nm>/@scope/<name>`).
func packageDirs(nm string) []string {
	var dirs []string
	entries, err := os.ReadDir(nm)
	if err != nil {
		return nil
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		path := filepath.Join(nm, name)
		if strings.HasPrefix(name, "@") {
			scoped, err := os.ReadDir(path)
			if err != nil {
				continue
			}
			for _, s := range scoped {
				dirs = append(dirs, filepath.Join(path, s.Name()))
			}
			continue
		}
		dirs = append(dirs, path)
	}
	return dirs
}

// resourcePackages are the resource plugins the program's installed packages declare in the
// `pulumi` field of their package.json ({"resource": true, "name": ..., "version": ...}). Packages
// in a nearer node_modules shadow those further up, as in Node.js resolution.
func resourcePackages(dir string) ([]resourcePackage, error) {
	seen := map[string]bool{}
	byPlugin := map[string]resourcePackage{}
	for _, nm := range nodeModulesDirs(dir) {
		for _, pkgDir := range packageDirs(nm) {
			rel, _ := filepath.Rel(nm, pkgDir)
			if seen[rel] {
				continue
			}
			seen[rel] = true
			p, err := readPackageJSON(filepath.Join(pkgDir, "package.json"))
			if err != nil || p.Pulumi == nil || !p.Pulumi.Resource {
				continue
			}
			name := p.Pulumi.Name
			if name == "" {
				name = strings.TrimPrefix(p.Name, "@pulumi/")
			}
			ver := p.Pulumi.Version
			if ver == "" {
				ver = p.Version
			}
			if _, dup := byPlugin[name]; !dup {
				byPlugin[name] = resourcePackage{Name: name, Version: ver, Server: p.Pulumi.Server}
			}
		}
	}
	out := make([]resourcePackage, 0, len(byPlugin))
	for _, p := range byPlugin {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

type dependency struct{ Name, Version string }

// programDependencies: the dependencies of the nearest package.json, with the installed versions.
func programDependencies(dir string) ([]dependency, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	var manifest *packageJSON
	for d := abs; ; d = filepath.Dir(d) {
		if p, err := readPackageJSON(filepath.Join(d, "package.json")); err == nil {
			manifest = p
			break
		}
		if filepath.Dir(d) == d {
			return nil, fmt.Errorf("no package.json in %s or above", abs)
		}
	}
	var deps []dependency
	for name, wanted := range manifest.Dependencies {
		version := wanted
		for _, nm := range nodeModulesDirs(abs) {
			if p, err := readPackageJSON(filepath.Join(nm, name, "package.json")); err == nil {
				version = p.Version
				break
			}
		}
		deps = append(deps, dependency{Name: name, Version: version})
	}
	sort.Slice(deps, func(i, j int) bool { return deps[i].Name < deps[j].Name })
	return deps, nil
}
