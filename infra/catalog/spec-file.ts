import { readYamlFile, type YamlFile, type YamlFileResult } from "../input/yaml-file";

// Reads one service spec file into plain data, or says what is wrong with it as YAML
// (infra/input/yaml-file.ts: the same rules as the stack files).

/** A spec is a few dozen lines; anything much larger is not one. */
export const SPEC_MAX_BYTES = 256 * 1024;

export type SpecFile = YamlFile;

export function readSpecFile(absolute: string, shown: string): YamlFileResult {
  return readYamlFile(absolute, shown, {
    what: "a service spec",
    maxBytes: SPEC_MAX_BYTES,
    shape: "write one service as `key: value` lines (name, description, dependsOn, readinessPath, web)",
  });
}
