package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// The object store as Flysystem's azure_blob adapter sees it: APP__STORAGE__CONNECTION_STRING
// (Azurite in the cluster) signed with Shared Key. A readiness check lists each of the service's
// containers; workload-identity auth (Azure) needs a token endpoint that only exists on Azure, so
// it is reported, not checked.

type blobAccount struct {
	name     string
	key      []byte
	endpoint string // BlobEndpoint, with the account path for Azurite
}

func parseConnectionString(cs string) (blobAccount, error) {
	var a blobAccount
	fields := map[string]string{}
	for _, part := range strings.Split(cs, ";") {
		if k, v, ok := strings.Cut(part, "="); ok {
			fields[k] = v
		}
	}
	a.name = fields["AccountName"]
	key, err := base64.StdEncoding.DecodeString(fields["AccountKey"])
	if err != nil || a.name == "" || len(key) == 0 {
		return a, fmt.Errorf("object store: the connection string has no AccountName/AccountKey")
	}
	a.key = key
	a.endpoint = strings.TrimSuffix(fields["BlobEndpoint"], "/")
	if a.endpoint == "" {
		proto := orDefault(fields["DefaultEndpointsProtocol"], "https")
		a.endpoint = fmt.Sprintf("%s://%s.blob.%s", proto, a.name, orDefault(fields["EndpointSuffix"], "core.windows.net"))
	}
	return a, nil
}

// sign adds the Shared Key Authorization header (Blob service, version 2021-08-06).
func (a blobAccount) sign(req *http.Request) {
	req.Header.Set("x-ms-date", time.Now().UTC().Format(http.TimeFormat))
	req.Header.Set("x-ms-version", "2021-08-06")
	var headers []string
	for k := range req.Header {
		if lk := strings.ToLower(k); strings.HasPrefix(lk, "x-ms-") {
			headers = append(headers, lk)
		}
	}
	sort.Strings(headers)
	var canon strings.Builder
	for _, h := range headers {
		canon.WriteString(h + ":" + req.Header.Get(h) + "\n")
	}
	resource := "/" + a.name + req.URL.EscapedPath()
	q := req.URL.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		vals := q[k]
		sort.Strings(vals)
		resource += "\n" + strings.ToLower(k) + ":" + strings.Join(vals, ",")
	}
	length := ""
	if req.ContentLength > 0 {
		length = fmt.Sprint(req.ContentLength)
	}
	toSign := strings.Join([]string{
		req.Method, req.Header.Get("Content-Encoding"), req.Header.Get("Content-Language"), length,
		req.Header.Get("Content-MD5"), req.Header.Get("Content-Type"), "", req.Header.Get("If-Modified-Since"),
		req.Header.Get("If-Match"), req.Header.Get("If-None-Match"), req.Header.Get("If-Unmodified-Since"),
		req.Header.Get("Range"),
	}, "\n") + "\n" + canon.String() + resource
	mac := hmac.New(sha256.New, a.key)
	mac.Write([]byte(toSign))
	req.Header.Set("Authorization", "SharedKey "+a.name+":"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
}

// checkBlobContainer lists one container (max one result): the credentials work and it exists.
func checkBlobContainer(ctx context.Context, a blobAccount, container string) error {
	u := a.endpoint + "/" + url.PathEscape(container) + "?comp=list&maxresults=1&restype=container"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	a.sign(req)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("object store: %w", err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 512))
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("object store: listing container %s: HTTP %d %s", container, res.StatusCode, strings.TrimSpace(string(body)))
	}
	return nil
}
