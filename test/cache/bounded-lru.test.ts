import { describe, expect, it } from "vitest";
import { BoundedLru } from "../../src/cache/bounded-lru.js";

// The response cache's LRU against a plain model (an array in order of use),
// over random reads, writes and deletes: same entries, same order of
// eviction, same total size, under both bounds.
describe("BoundedLru", () => {
  it("keeps what a least-recently-used model keeps, bounded by entries and size", () => {
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
      return seed % n;
    };
    for (const [maxEntries, maxSize] of [
      [5, 1_000],
      [50, 120],
      [1, 30],
    ] as const) {
      const lru = new BoundedLru<number, { size: number }>(maxEntries, maxSize, (v) => v.size);
      let model: { key: number; size: number }[] = [];
      for (let step = 0; step < 5_000; step++) {
        const key = rand(20);
        const op = rand(10);
        if (op < 4) {
          const got = lru.get(key);
          const at = model.findIndex((e) => e.key === key);
          expect(got?.size).toBe(at < 0 ? undefined : model[at]!.size);
          if (at >= 0) model.push(...model.splice(at, 1));
        } else if (op < 9) {
          const size = 1 + rand(40);
          lru.set(key, { size });
          model = model.filter((e) => e.key !== key);
          if (size <= maxSize) {
            while (model.length > 0 && (model.length >= maxEntries || model.reduce((s, e) => s + e.size, 0) + size > maxSize)) model.shift();
            model.push({ key, size });
          }
        } else {
          expect(lru.delete(key)).toBe(model.some((e) => e.key === key));
          model = model.filter((e) => e.key !== key);
        }
        expect(lru.size).toBe(model.length);
        expect(lru.calculatedSize).toBe(model.reduce((s, e) => s + e.size, 0));
        expect(lru.size).toBeLessThanOrEqual(maxEntries);
        expect(lru.calculatedSize).toBeLessThanOrEqual(maxSize);
      }
      expect(new Set(lru.keys())).toEqual(new Set(model.map((e) => e.key)));
    }
  });
});
