package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Pod discovery, implemented by the stand-in itself (Alloy's discovery.kubernetes watches the API
// through client-go; the stand-in lists pods with the standard library every sync period). It
// authenticates as the pod's ServiceAccount, as Alloy does in a cluster: the token and CA
// mounted under /var/run/secrets/kubernetes.io/serviceaccount, the API server from
// KUBERNETES_SERVICE_HOST/PORT. Each container (init containers included) becomes one target
// with the `__meta_kubernetes_*` labels Prometheus' Kubernetes discovery documents for the pod
// role (one target per container, not per container port).
//
// Outside a pod (the stand-in's own tests), LOG_SHIPPER_STANDIN_API_SERVER gives the API server's
// URL and LOG_SHIPPER_STANDIN_SERVICEACCOUNT_DIR the directory of `token` (and `ca.crt`).

const serviceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount"

type kubeClient struct {
	base      string
	tokenFile string
	http      *http.Client
}

func newKubeClient(getenv func(string) string) (*kubeClient, error) {
	dir := serviceAccountDir
	if d := getenv("LOG_SHIPPER_STANDIN_SERVICEACCOUNT_DIR"); d != "" {
		dir = d
	}
	base := getenv("LOG_SHIPPER_STANDIN_API_SERVER")
	if base == "" {
		host, port := getenv("KUBERNETES_SERVICE_HOST"), getenv("KUBERNETES_SERVICE_PORT")
		if host == "" || port == "" {
			return nil, fmt.Errorf("discovery.kubernetes: not in a pod (no KUBERNETES_SERVICE_HOST/PORT) and no LOG_SHIPPER_STANDIN_API_SERVER")
		}
		base = "https://" + net.JoinHostPort(host, port)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	if ca, err := os.ReadFile(filepath.Join(dir, "ca.crt")); err == nil {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(ca) {
			return nil, fmt.Errorf("discovery.kubernetes: %s/ca.crt holds no certificate", dir)
		}
		transport.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &kubeClient{
		base:      strings.TrimSuffix(base, "/"),
		tokenFile: filepath.Join(dir, "token"),
		http:      &http.Client{Transport: transport, Timeout: 15 * time.Second},
	}, nil
}

type pod struct {
	Metadata struct {
		Name            string            `json:"name"`
		Namespace       string            `json:"namespace"`
		UID             string            `json:"uid"`
		Labels          map[string]string `json:"labels"`
		Annotations     map[string]string `json:"annotations"`
		OwnerReferences []struct {
			Kind       string `json:"kind"`
			Name       string `json:"name"`
			Controller bool   `json:"controller"`
		} `json:"ownerReferences"`
	} `json:"metadata"`
	Spec struct {
		NodeName       string      `json:"nodeName"`
		Containers     []container `json:"containers"`
		InitContainers []container `json:"initContainers"`
	} `json:"spec"`
	Status struct {
		Phase      string `json:"phase"`
		PodIP      string `json:"podIP"`
		HostIP     string `json:"hostIP"`
		Conditions []struct {
			Type   string `json:"type"`
			Status string `json:"status"`
		} `json:"conditions"`
		ContainerStatuses     []containerStatus `json:"containerStatuses"`
		InitContainerStatuses []containerStatus `json:"initContainerStatuses"`
	} `json:"status"`
}

type container struct {
	Name  string `json:"name"`
	Image string `json:"image"`
}

type containerStatus struct {
	Name        string `json:"name"`
	ContainerID string `json:"containerID"`
}

// listPods lists the pods of one namespace ("" for all) matching the selectors.
func (c *kubeClient) listPods(ctx context.Context, namespace, fieldSelector, labelSelector string) ([]pod, error) {
	path := "/api/v1/pods"
	if namespace != "" {
		path = "/api/v1/namespaces/" + url.PathEscape(namespace) + "/pods"
	}
	q := url.Values{}
	if fieldSelector != "" {
		q.Set("fieldSelector", fieldSelector)
	}
	if labelSelector != "" {
		q.Set("labelSelector", labelSelector)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path+"?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	// The token is read on every request: the kubelet rotates it.
	token, err := os.ReadFile(c.tokenFile)
	if err != nil {
		return nil, fmt.Errorf("discovery.kubernetes: the ServiceAccount token: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("discovery.kubernetes: listing pods of %q: %w", namespace, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("discovery.kubernetes: listing pods of %q: %s: %s", namespace, resp.Status, strings.TrimSpace(string(body)))
	}
	var list struct {
		Items []pod `json:"items"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, fmt.Errorf("discovery.kubernetes: the pod list: %w", err)
	}
	return list.Items, nil
}

var unsafeLabelChars = regexp.MustCompile(`[^a-zA-Z0-9_]`)

func sanitizeLabelName(name string) string { return unsafeLabelChars.ReplaceAllString(name, "_") }

// podTargets: one target per container of the pod, with Prometheus' pod-role meta labels.
func podTargets(p pod) []target {
	common := target{
		"__meta_kubernetes_namespace":     p.Metadata.Namespace,
		"__meta_kubernetes_pod_name":      p.Metadata.Name,
		"__meta_kubernetes_pod_uid":       p.Metadata.UID,
		"__meta_kubernetes_pod_ip":        p.Status.PodIP,
		"__meta_kubernetes_pod_node_name": p.Spec.NodeName,
		"__meta_kubernetes_pod_host_ip":   p.Status.HostIP,
		"__meta_kubernetes_pod_phase":     p.Status.Phase,
		"__meta_kubernetes_pod_ready":     "unknown",
		"__address__":                     p.Status.PodIP,
	}
	for _, c := range p.Status.Conditions {
		if c.Type == "Ready" {
			common["__meta_kubernetes_pod_ready"] = strings.ToLower(c.Status)
		}
	}
	for k, v := range p.Metadata.Labels {
		common["__meta_kubernetes_pod_label_"+sanitizeLabelName(k)] = v
		common["__meta_kubernetes_pod_labelpresent_"+sanitizeLabelName(k)] = "true"
	}
	for k, v := range p.Metadata.Annotations {
		common["__meta_kubernetes_pod_annotation_"+sanitizeLabelName(k)] = v
		common["__meta_kubernetes_pod_annotationpresent_"+sanitizeLabelName(k)] = "true"
	}
	for _, o := range p.Metadata.OwnerReferences {
		if o.Controller {
			common["__meta_kubernetes_pod_controller_kind"] = o.Kind
			common["__meta_kubernetes_pod_controller_name"] = o.Name
		}
	}
	var out []target
	add := func(c container, statuses []containerStatus, init bool) {
		t := target{}
		for k, v := range common {
			t[k] = v
		}
		t["__meta_kubernetes_pod_container_name"] = c.Name
		t["__meta_kubernetes_pod_container_image"] = c.Image
		t["__meta_kubernetes_pod_container_init"] = fmt.Sprint(init)
		for _, s := range statuses {
			if s.Name == c.Name {
				t["__meta_kubernetes_pod_container_id"] = s.ContainerID
			}
		}
		for k, v := range t {
			if v == "" {
				delete(t, k)
			}
		}
		out = append(out, t)
	}
	for _, c := range p.Spec.InitContainers {
		add(c, p.Status.InitContainerStatuses, true)
	}
	for _, c := range p.Spec.Containers {
		add(c, p.Status.ContainerStatuses, false)
	}
	return out
}

// discoverer resolves a chain of target sources to the files to read.
type discoverer struct {
	kube     func() (*kubeClient, error)
	hostRoot string // prefix of every path on disk ("" in a pod)
}

// resolve returns the current targets of src; for a local.file_match, one per file found, its
// `__path__` the file's path.
func (d *discoverer) resolve(ctx context.Context, src targetSource) ([]target, error) {
	switch s := src.(type) {
	case *kubePods:
		client, err := d.kube()
		if err != nil {
			return nil, err
		}
		namespaces := s.namespaces
		if len(namespaces) == 0 {
			namespaces = []string{""}
		}
		var out []target
		for _, ns := range namespaces {
			pods, err := client.listPods(ctx, ns, strings.Join(s.fieldSelectors, ","), strings.Join(s.labelSelectors, ","))
			if err != nil {
				return nil, err
			}
			for _, p := range pods {
				out = append(out, podTargets(p)...)
			}
		}
		return out, nil
	case *relabelTargets:
		in, err := d.resolve(ctx, s.from)
		if err != nil {
			return nil, err
		}
		var out []target
		for _, t := range in {
			if r := relabel(t, s.rules); r != nil {
				out = append(out, r)
			}
		}
		return out, nil
	case *fileMatch:
		in, err := d.resolve(ctx, s.from)
		if err != nil {
			return nil, err
		}
		var out []target
		for _, t := range in {
			pattern := t["__path__"]
			if pattern == "" {
				continue
			}
			if strings.Contains(pattern, "**") {
				return nil, fmt.Errorf("local.file_match: the stand-in globs with * and ? only, not ** (%s)", pattern)
			}
			matches, err := filepath.Glob(d.hostRoot + pattern)
			if err != nil {
				return nil, fmt.Errorf("local.file_match: %s: %w", pattern, err)
			}
			sort.Strings(matches)
			for _, m := range matches {
				f := target{}
				for k, v := range t {
					f[k] = v
				}
				f["__path__"] = strings.TrimPrefix(m, d.hostRoot)
				out = append(out, f)
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("internal: unknown target source %T", src)
}
