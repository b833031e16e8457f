import { invalidArgument } from "../validation/invalid-argument.js";

/**
 * Refuses option names that `options` should not have, so a JavaScript
 * caller's typo (`prediciton`) fails where it is made, not as a missing
 * endpoint at the first call: `InvalidArgument` naming the option (under
 * `path`, a prefix such as `retry.`), with the nearest known name (at most two
 * edits away, case aside) as a hint, else `otherwise` (where to look
 * instead). An option set to `undefined` counts as not given.
 */
export function refuseUnknownOptions(options: object, known: readonly string[], path = "", otherwise = ""): void {
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined || known.includes(name)) continue;
    let hint = `is not an option${otherwise}`;
    let nearest = 3;
    for (const k of known) {
      const d = editDistance(name.toLowerCase(), k.toLowerCase());
      if (d < nearest) [hint, nearest] = [`is not an option; did you mean \`${k}\`?`, d];
    }
    throw invalidArgument(path + name.slice(0, 64), hint);
  }
}

/** Levenshtein distance, one row at a time. */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}
