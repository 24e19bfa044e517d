// Package info is the bridge mapping of a STAND-IN for pulumi-resource-random: the module
// github.com/pulumi/pulumi-random/provider/v4 is not served by the Go module proxy reachable here, so this
// wrapper bridges the same Terraform provider (terraform-provider-random at the commit pulumi-random 4.21.x
// pins) with the same bridge generation, mapping every random_* resource to random:index/Random*:Random*
// (the tokens the npm @pulumi/random SDK uses). It is not the upstream build: docs, aliases and upgrade
// hooks of the real provider are not reproduced.
package info

import (
	"context"
	"errors"

	pf "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/terraform-providers/terraform-provider-random/shim"
)

// Version is set with -ldflags -X by build.sh.
var Version string

// Provider returns the bridge mapping; metadata is the bridge-metadata.json written by tfgen (nil while
// generating it).
func Provider(metadata []byte) tfbridge.ProviderInfo {
	prov := tfbridge.ProviderInfo{
		P:            pf.ShimProvider(shim.NewProvider()),
		Name:         "random",
		Description:  "A Pulumi package to safely use randomness in Pulumi programs (e2e stand-in build).",
		Keywords:     []string{"pulumi", "random"},
		License:      "Apache-2.0",
		Homepage:     "https://pulumi.io",
		Repository:   "https://github.com/pulumi/pulumi-random",
		Version:      Version,
		MetadataInfo: tfbridge.NewProviderMetadata(metadata),
		Resources: map[string]*tfbridge.ResourceInfo{
			// random_bytes has no "id" attribute: use its base64 value as the Pulumi ID.
			"random_bytes": {ComputeID: bytesID},
		},
		JavaScript: &tfbridge.JavaScriptInfo{RespectSchemaVersion: true},
	}
	prov.MustComputeTokens(tokens.SingleModule("random_", "index",
		func(module, name string) (string, error) {
			return tokens.MakeStandard("random")(module, "Random"+name)
		}))
	return prov
}

func bytesID(_ context.Context, state resource.PropertyMap) (resource.ID, error) {
	b, ok := state["base64"]
	if !ok {
		return "", errors.New("random_bytes: no base64 property in state")
	}
	if b.IsSecret() {
		b = b.SecretValue().Element
	}
	if !b.IsString() {
		return "", errors.New("random_bytes: base64 property is not a string")
	}
	return resource.ID(b.StringValue()), nil
}
