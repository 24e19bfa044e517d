// Command embedgen writes the two files that the provider's main package embeds, as upstream's
// cmd/pulumi-resource-kubernetes/generate.go does: schema-embed.json (the committed schema.json with its
// top-level "version" set) and terraform-mapping-embed.json (terraform-mapping.json, compacted).
//
// Usage: embedgen <dir with schema.json and terraform-mapping.json> <out dir> <version>
package main

import (
	"bytes"
	"encoding/json"
	"log"
	"os"
	"path/filepath"
)

func main() {
	if len(os.Args) != 4 {
		log.Fatal("usage: embedgen SRC_DIR OUT_DIR VERSION")
	}
	src, out, version := os.Args[1], os.Args[2], os.Args[3]

	raw, err := os.ReadFile(filepath.Join(src, "schema.json"))
	if err != nil {
		log.Fatal(err)
	}
	var schema map[string]json.RawMessage
	if err := json.Unmarshal(raw, &schema); err != nil {
		log.Fatalf("cannot deserialize schema: %v", err)
	}
	v, _ := json.Marshal(version)
	schema["version"] = v
	versioned, err := json.Marshal(schema)
	if err != nil {
		log.Fatalf("cannot reserialize schema: %v", err)
	}
	if err := os.WriteFile(filepath.Join(out, "schema-embed.json"), versioned, 0o644); err != nil {
		log.Fatal(err)
	}

	mapping, err := os.ReadFile(filepath.Join(src, "terraform-mapping.json"))
	if err != nil {
		log.Fatal(err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, mapping); err != nil {
		log.Fatalf("cannot compact terraform mapping: %v", err)
	}
	if err := os.WriteFile(filepath.Join(out, "terraform-mapping-embed.json"), compact.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}
