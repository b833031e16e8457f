/** An entry, linked in order of use: `older` toward the least recently used end. */
interface Slot<K, V> {
  readonly key: K;
  value: V;
  size: number;
  older: Slot<K, V> | undefined;
  newer: Slot<K, V> | undefined;
}

/**
 * A least-recently-used map bounded by entries and by a total size, for the
 * response cache: a `Map` to the entries, and a doubly linked list of them in
 * order of use (a read relinks two pointers; re-inserting into the `Map`
 * instead costs far more, up to microseconds on a hot key). It replaces the
 * `lru-cache` package, whose TTL, fetch and dispose machinery the client does
 * not use (5.8 KB of every edge bundle, gzipped); its eviction is the same:
 * - a read makes the entry the most recently used;
 * - storing evicts the least recently used entries until both bounds hold;
 * - an entry larger than `maxSize` is not stored (and drops the one it replaces).
 */
export class BoundedLru<K, V> {
  private readonly map = new Map<K, Slot<K, V>>();
  private oldest: Slot<K, V> | undefined;
  private newest: Slot<K, V> | undefined;
  private total = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxSize: number,
    private readonly sizeOf: (value: V) => number,
  ) {}

  /** Entries held. */
  get size(): number {
    return this.map.size;
  }

  /** Sum of the entries' sizes. */
  get calculatedSize(): number {
    return this.total;
  }

  /** The value for `key`, made the most recently used. */
  get(key: K): V | undefined {
    const slot = this.map.get(key);
    if (slot === undefined) return undefined;
    if (slot !== this.newest) {
      this.unlink(slot);
      this.link(slot);
    }
    return slot.value;
  }

  /** Stores `value` as the most recently used, evicting the least recently used ones past a bound. */
  set(key: K, value: V): void {
    const size = this.sizeOf(value);
    this.delete(key);
    if (size > this.maxSize) return;
    while (this.oldest !== undefined && (this.map.size >= this.maxEntries || this.total + size > this.maxSize)) this.delete(this.oldest.key);
    const slot: Slot<K, V> = { key, value, size, older: undefined, newer: undefined };
    this.map.set(key, slot);
    this.total += size;
    this.link(slot);
  }

  delete(key: K): boolean {
    const slot = this.map.get(key);
    if (slot === undefined) return false;
    this.map.delete(key);
    this.total -= slot.size;
    this.unlink(slot);
    return true;
  }

  keys(): IterableIterator<K> {
    return this.map.keys();
  }

  /** Puts a detached slot at the most recently used end. */
  private link(slot: Slot<K, V>): void {
    slot.older = this.newest;
    slot.newer = undefined;
    if (this.newest === undefined) this.oldest = slot;
    else this.newest.newer = slot;
    this.newest = slot;
  }

  private unlink(slot: Slot<K, V>): void {
    if (slot.older === undefined) this.oldest = slot.newer;
    else slot.older.newer = slot.newer;
    if (slot.newer === undefined) this.newest = slot.older;
    else slot.newer.older = slot.older;
  }
}
