import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // test/e2e/ holds the real-engine run (npm run test:e2e), not vitest files, except the unit
    // tests of its helpers; its toolchain and fixtures are not ours to collect.
    exclude: ["test/e2e/toolchain/**", "test/e2e/fixtures/**", "**/node_modules/**"],
    // Pulumi's mock runtime must be installed before any resource module is
    // imported: a resource constructed earlier never resolves its id.
    setupFiles: ["test/setup/pulumi-mocks.ts"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
