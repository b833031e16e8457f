import { invalidArgument } from "../validation/invalid-argument.js";

/**
 * Refuses option names that `options` should not have, so a JavaScript
 * caller's typo (`prediciton`) fails where it is made, not as a missing
 * endpoint at the first call: `InvalidArgument` naming the option (under
 * `path`, e.g. `retry.maxAtempts`), with the closest known name as a hint.
 * An option set to `undefined` counts as not given.
 */
export function refuseUnknownOptions(options: object, known: readonly string[], path = ""): void {
  for (const name of Object.keys(options)) {
    if (known.includes(name) || (options as Record<string, unknown>)[name] === undefined) continue;
    const shown = name.length > 64 ? `${name.slice(0, 64)}...` : name;
    const field = path === "" ? shown : `${path}.${shown}`;
    const near = closestName(name, known);
    throw invalidArgument(field, `is not an option${near === undefined ? "" : `; did you mean \`${near}\`?`}`);
  }
}

/** The known name nearest to `name` (case-insensitive edit distance), if near enough to be a typo. */
function closestName(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const candidate of known) {
    const d = editDistance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance with adjacent transpositions counted as one edit (`prediciton`). */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 8) return Infinity;
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    rows.push([i]);
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        rows[0]![j] = j;
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}
