// The memory of the pack's views of a resource (its plain props, metadata, target, workload, ConfigMap
// data): the last few objects asked about, by identity. A resource is checked by every policy in
// turn, each asking for the same views of the same props, and then the next resource comes: a cache
// of the last few is hit as often as one of every object, and keeps nothing of the resources already
// checked. (A WeakMap of every props object did the same at a cost: its entries live until a full
// collection, and every young-generation collection walks those whose key is young, which on a large
// input of short-lived objects cost more CPU than the checks themselves.)
//
// No Node.js API here: the pack type-checks standalone under ts-node without @types/node.

/** @default 4 objects: the one being checked, and the few another view of it refers to. */
const SIZE = 4;

export class Recent<K extends object, V> {
  private readonly keys: Array<K | undefined> = new Array(SIZE).fill(undefined);
  private readonly values: Array<V | undefined> = new Array(SIZE).fill(undefined);
  private next = 0;

  /** The value kept for this very object (`undefined` when there is none). */
  get(key: K): V | undefined {
    for (let i = 0; i < SIZE; i++) if (this.keys[i] === key) return this.values[i];
    return undefined;
  }

  /** Remembers `value` for `key`, forgetting the oldest. */
  set(key: K, value: V): void {
    this.keys[this.next] = key;
    this.values[this.next] = value;
    this.next = (this.next + 1) % SIZE;
  }
}
