import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/e2e/**", "**/node_modules/**"],
    // Pulumi's mock runtime must be installed before any resource module is
    // imported: a resource constructed earlier never resolves its id.
    setupFiles: ["test/setup/pulumi-mocks.ts"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
