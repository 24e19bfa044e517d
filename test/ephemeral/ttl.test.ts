import { describe, expect, it } from "vitest";
import { expiryLabelValue } from "../../components/namespace/platform-namespace";
import { parseExpiresAt } from "../../policies/checks/ephemeral-stack-hygiene";
import { UsageError } from "../../stacks/ephemeral/errors";
import {
  describeExpiry,
  expiryFor,
  expiryLabel,
  formatDuration,
  MAX_TTL_MS,
  parseExpiry,
  parseNow,
  parseTtl,
} from "../../stacks/ephemeral/ttl";

const MIN = 60_000;
const HOUR = 60 * MIN;

describe("parseTtl", () => {
  it("reads minutes, hours, days and their combinations", () => {
    expect(parseTtl("6h")).toBe(6 * HOUR);
    expect(parseTtl("90m")).toBe(90 * MIN);
    expect(parseTtl("2d")).toBe(48 * HOUR);
    expect(parseTtl("1h30m")).toBe(90 * MIN);
    expect(parseTtl("1d12h")).toBe(36 * HOUR);
    expect(parseTtl(" 10m ")).toBe(10 * MIN);
  });

  it("refuses what is not a duration, with the accepted forms in the message", () => {
    for (const bad of ["", "6", "h", "5x", "6 h", "-1h", "1.5h", "6H", "h6", "30m1h"]) {
      expect(() => parseTtl(bad), bad).toThrow(UsageError);
      expect(() => parseTtl(bad), bad).toThrow(/is not a duration: use .*90m, 6h, 1h30m or 2d/);
    }
  });

  it("guards both ends: at least 10 minutes, at most 7 days (the policy's maxTtlHours)", () => {
    expect(() => parseTtl("0m")).toThrow(/shorter than 10m/);
    expect(() => parseTtl("9m")).toThrow(/the reaper could destroy the stack/);
    expect(parseTtl("7d")).toBe(MAX_TTL_MS);
    expect(parseTtl("168h")).toBe(MAX_TTL_MS);
    expect(() => parseTtl("169h")).toThrow(/longer than the maximum of 7d/);
    expect(() => parseTtl("8d")).toThrow(UsageError);
    expect(() => parseTtl("3h", 2 * HOUR)).toThrow(/maximum of 2h/);
  });
});

describe("expiry arithmetic", () => {
  it("adds the TTL to now and drops the milliseconds", () => {
    expect(expiryFor(new Date("2026-11-29T12:00:00.789Z"), 6 * HOUR)).toBe("2026-11-29T18:00:00Z");
    expect(expiryFor(new Date("2026-12-31T20:30:00Z"), 6 * HOUR)).toBe("2027-01-01T02:30:00Z");
  });

  it("writes the label form the namespace component writes and the policy reads", () => {
    const iso = "2026-11-29T18:00:00Z";
    expect(expiryLabel(iso)).toBe("20261129T180000Z");
    expect(expiryLabel(iso)).toBe(expiryLabelValue(iso));
    expect(parseExpiresAt(expiryLabel(iso))?.toISOString()).toBe("2026-11-29T18:00:00.000Z");
    // An offset is normalised to UTC.
    expect(expiryLabel("2026-11-29T19:00:00+01:00")).toBe("20261129T180000Z");
  });

  it("reads both forms back and refuses impossible or partial dates", () => {
    expect(parseExpiry("20261129T180000Z")?.toISOString()).toBe("2026-11-29T18:00:00.000Z");
    expect(parseExpiry("2026-11-29T18:00:00Z")?.toISOString()).toBe("2026-11-29T18:00:00.000Z");
    expect(parseExpiry("2026-11-29T19:00:00+01:00")?.toISOString()).toBe("2026-11-29T18:00:00.000Z");
    expect(parseExpiry("20261340T000000Z")).toBeUndefined();
    expect(parseExpiry("2026-11-29")).toBeUndefined();
    expect(parseExpiry("2026-11-29T18:00:00")).toBeUndefined(); // no offset: ambiguous
    expect(parseExpiry("tomorrow")).toBeUndefined();
    expect(parseExpiry(undefined)).toBeUndefined();
  });

  it("describes time left or past", () => {
    const now = new Date("2026-11-29T12:00:00Z");
    expect(describeExpiry(new Date("2026-11-29T17:59:00Z"), now)).toBe("expires in 5h 59m");
    expect(describeExpiry(new Date("2026-11-29T10:00:00Z"), now)).toBe("expired 2h ago");
    expect(formatDuration(2 * 24 * HOUR + 5 * MIN)).toBe("2d 5m");
    expect(formatDuration(0)).toBe("0m");
  });

  it("parses --now as an ISO instant, and defaults to the clock", () => {
    const clock = () => new Date("2030-01-01T00:00:00Z");
    expect(parseNow(undefined, clock).toISOString()).toBe("2030-01-01T00:00:00.000Z");
    expect(parseNow("2026-11-29T12:00:00Z", clock).toISOString()).toBe("2026-11-29T12:00:00.000Z");
    expect(() => parseNow("yesterday", clock)).toThrow(/--now "yesterday" is not an ISO 8601 instant/);
  });
});
