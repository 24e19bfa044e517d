import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cachedRoutes } from "../../components/http-cache/cached-routes";
import { renderVcl } from "../../components/http-cache/vcl";
import { HTTP_PORT } from "../../components/service/environment";
import type { ServiceSpec } from "../../components/service/spec";
import { catalog } from "../helpers/catalog";

// The generated VCL compiled by a real varnishd (`varnishd -C`), for the catalog as it is and for
// every option switched on. Skipped, with the reason printed, when varnishd is not installed
// (`apt-get install -y varnish` on Debian). Backend host names are cluster DNS names that do not
// resolve here, and varnishd resolves them at compile time: the test points them at 127.0.0.1.

const found = spawnSync("varnishd", ["-V"], { encoding: "utf8" });
const varnishd = found.error === undefined && found.status === 0;
if (!varnishd) console.warn("vcl-compile: varnishd not found, skipping (apt-get install -y varnish)");

function compile(vcl: string): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), "vcl-"));
  try {
    // Started as root, varnishd reads the file as its unprivileged user: make it readable.
    chmodSync(dir, 0o755);
    const file = join(dir, "default.vcl");
    writeFileSync(file, vcl.replace(/\.host = "[^"]+";/g, '.host = "127.0.0.1";'), { mode: 0o644 });
    const r = spawnSync("varnishd", ["-C", "-f", file, "-n", join(dir, "work")], { encoding: "utf8" });
    const output = `${r.stderr}`
      .split("\n")
      .filter((l) => !l.startsWith("Could not delete"))
      .join("\n");
    return { status: r.status, output: r.status === 0 ? "" : output.slice(0, 2000) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The catalog with every route cached and every option on, alternating authenticated routes. */
function everyOption(): ServiceSpec[] {
  let n = 0;
  return catalog.map((s) => ({
    ...s,
    routes: (s.routes ?? []).map((r) => ({
      pathPrefix: r.pathPrefix,
      cache: {
        ttl: 60,
        grace: 0,
        keep: 10,
        vary: ["Accept-Language", "Authorization"],
        esi: true,
        cacheAuthenticated: n++ % 2 === 0,
      },
    })),
  }));
}

describe.skipIf(!varnishd)("varnishd -C on the generated VCL", () => {
  it.each([
    ["the catalog", catalog],
    ["every route cached, every option on", everyOption()],
  ])("compiles for %s", (_label, specs) => {
    const routes = cachedRoutes(specs);
    expect(routes.length).toBeGreaterThan(0);
    const result = compile(renderVcl({ namespace: "platform", backendPort: HTTP_PORT, routes }));
    expect(result).toEqual({ status: 0, output: "" });
  });

  it("rejects a broken VCL (the check is real)", () => {
    expect(compile("vcl 4.1;\nsub vcl_recv { return (nonsense); }\n").status).not.toBe(0);
  });
});
