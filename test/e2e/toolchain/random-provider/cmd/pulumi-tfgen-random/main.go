// Command pulumi-tfgen-random generates schema.json and bridge-metadata.json for the stand-in random
// provider (run by build.sh: `pulumi-tfgen-random schema --out DIR --skip-docs --skip-examples`).
package main

import (
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfgen"

	"platform.local/e2e-toolchain/random-provider/info"
)

func main() { tfgen.Main("random", info.Provider(nil)) }
