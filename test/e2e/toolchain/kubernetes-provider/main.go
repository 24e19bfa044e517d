// Command pulumi-resource-kubernetes is the Pulumi Kubernetes provider, built from the published
// github.com/pulumi/pulumi-kubernetes/provider/v4 module.
//
// The upstream cmd/pulumi-resource-kubernetes/main.go embeds schema-embed.json and
// terraform-mapping-embed.json, which `go generate` writes and which are not in the module zip; go:embed
// cannot reach into another module, so this package is our own copy of that entry point. build.sh writes
// both files here from the schema.json and terraform-mapping.json committed in the module, with the
// schema's version set (as upstream's generate.go does).
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
