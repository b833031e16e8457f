import type { SeededRandom } from "../../src/bid/index.js";

// Draws from the distributions the simulation needs, on the seeded generator.

/** Standard normal (Box-Muller; the second variate is dropped to keep the generator state the only state). */
export function normal(random: SeededRandom): number {
  let u = random.next();
  while (u <= 0) u = random.next();
  const v = random.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Log-normal with the given median and log-space standard deviation. */
export function logNormal(random: SeededRandom, median: number, sigma: number): number {
  return median * Math.exp(sigma * normal(random));
}

/** Exponential with the given rate (events per unit). */
export function exponential(random: SeededRandom, rate: number): number {
  let u = random.next();
  while (u <= 0) u = random.next();
  return -Math.log(u) / rate;
}

/** Uniform in [a, b). */
export function uniform(random: SeededRandom, a: number, b: number): number {
  return a + (b - a) * random.next();
}

/** Picks an index with probability proportional to its weight. */
export function pickWeighted(random: SeededRandom, cumulativeWeights: readonly number[]): number {
  const total = cumulativeWeights[cumulativeWeights.length - 1]!;
  const u = random.next() * total;
  for (let i = 0; i < cumulativeWeights.length; i++) if (u < cumulativeWeights[i]!) return i;
  return cumulativeWeights.length - 1;
}
