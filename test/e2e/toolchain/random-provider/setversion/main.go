// Command setversion copies a Pulumi schema.json to OUT with its top-level "version" set (what upstream
// providers' generate.go does before embedding the schema).
//
// Usage: setversion SCHEMA_JSON OUT_JSON VERSION
package main

import (
	"encoding/json"
	"log"
	"os"
)

func main() {
	if len(os.Args) != 4 {
		log.Fatal("usage: setversion SCHEMA_JSON OUT_JSON VERSION")
	}
	raw, err := os.ReadFile(os.Args[1])
	if err != nil {
		log.Fatal(err)
	}
	var schema map[string]json.RawMessage
	if err := json.Unmarshal(raw, &schema); err != nil {
		log.Fatalf("cannot deserialize schema: %v", err)
	}
	v, _ := json.Marshal(os.Args[3])
	schema["version"] = v
	out, err := json.Marshal(schema)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(os.Args[2], out, 0o644); err != nil {
		log.Fatal(err)
	}
}
