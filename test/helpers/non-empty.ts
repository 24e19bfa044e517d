import { expect } from "vitest";

// A check over a list passes vacuously when the list is empty: a loop over nothing, `.every` on
// nothing. Tests derive their lists from data (the catalog, a plan); this makes sure the data
// still yields something to check before checking each item.

/** The item type of an iterable; manifests navigated as `any` stay `any`. */
// biome-ignore lint/suspicious/noExplicitAny: see above
type Items<I> = 0 extends 1 & I ? any[] : I extends Iterable<infer T> ? T[] : never;

/** The items as an array, after asserting there is at least one. */
export function nonEmpty<I extends Iterable<unknown>>(items: I, what = "the list a test checks"): Items<I> {
  const list = [...items];
  expect(list.length, `${what}: empty, so every check over it would pass vacuously`).toBeGreaterThan(0);
  return list as Items<I>;
}
