/**
 * A rough size in bytes of a decoded message, for the cache's byte bound:
 * strings count two bytes a character, numbers eight, and every object or
 * array a fixed overhead. Runs once per stored entry, never on a hit.
 */
export function estimatedSize(value: unknown, depth = 0): number {
  switch (typeof value) {
    case "string":
      return 16 + 2 * value.length;
    case "number":
    case "bigint":
      return 8;
    case "boolean":
      return 4;
    case "object": {
      if (value === null || depth > 8) return 8;
      if (ArrayBuffer.isView(value)) return 64 + value.byteLength;
      let size = 64;
      if (Array.isArray(value)) {
        for (const item of value) size += estimatedSize(item, depth + 1);
        return size;
      }
      for (const key in value) size += 8 + estimatedSize((value as Record<string, unknown>)[key], depth + 1);
      return size;
    }
    default:
      return 8;
  }
}
