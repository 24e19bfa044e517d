import { join } from "node:path";
import { run } from "../../stacks/ephemeral/cli";
import type { Context } from "../../stacks/ephemeral/commands";
import type { StackDriver } from "../../stacks/ephemeral/driver";
import { catalog } from "../helpers/catalog";
import { FakeStackDriver } from "./fake-driver";

// Runs the CLI in-process against the in-memory driver, with a fixed clock and a controlled
// environment, and captures what it prints.

export const ROOT = join(__dirname, "..", "..");
export const NOW = new Date("2026-11-29T12:00:00Z");
export const SHA = "0123456789abcdef0123456789abcdef01234567";

export interface Harness {
  driver: FakeStackDriver;
  ctx: Context;
  stdout(): string;
  stderr(): string;
  /** How many times the CLI asked for a driver (0 for a usage error). */
  driverRequests: number;
  run(...argv: string[]): Promise<number>;
  /** Clears captured output between two runs. */
  reset(): void;
  setNow(date: Date): void;
}

export function harness(
  options: { env?: Record<string, string>; now?: Date; driver?: FakeStackDriver } = {},
): Harness {
  let clock = options.now ?? NOW;
  const driver = options.driver ?? new FakeStackDriver({ now: () => clock });
  let out = "";
  let err = "";
  const h: Harness = {
    driver,
    driverRequests: 0,
    ctx: {
      driver: async (driverOptions): Promise<StackDriver> => {
        h.driverRequests++;
        driver.serviceSpecs = driverOptions.serviceSpecs ?? [];
        return driver;
      },
      io: {
        stdout: (t) => {
          out += t;
        },
        stderr: (t) => {
          err += t;
        },
      },
      env: options.env ?? {},
      clock: () => clock,
      root: ROOT,
      catalog,
    },
    stdout: () => out,
    stderr: () => err,
    run: (...argv) => run(argv, h.ctx),
    reset: () => {
      out = "";
      err = "";
    },
    setNow: (date) => {
      clock = date;
    },
  };
  return h;
}
