// Command pulumi-resource-random serves the stand-in random provider. build.sh writes the two embedded
// files into a staging copy of this wrapper from the output of pulumi-tfgen-random.
package main

import (
	"context"
	_ "embed"

	pf "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"

	"platform.local/e2e-toolchain/random-provider/info"
)

//go:embed schema-embed.json
var schema []byte

//go:embed bridge-metadata.json
var metadata []byte

func main() {
	pf.Main(context.Background(), "random", info.Provider(metadata), pf.ProviderMetadata{PackageSchema: schema})
}
