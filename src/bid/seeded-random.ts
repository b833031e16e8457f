/**
 * The serialisable state of a {@link SeededRandom}: the four 32-bit words of
 * xoshiro128**.
 */
export type SeededRandomState = [number, number, number, number];

/**
 * A small, fast, seeded pseudo-random generator (xoshiro128**, seeded through
 * splitmix32). Not cryptographic: it exists so that the throttling controller
 * and the auction simulation are reproducible, and so that a bidder restored
 * from `toJSON()` draws exactly the same numbers as the original.
 */
export interface SeededRandom {
  /** A float in [0, 1) with 32 bits of randomness. */
  next(): number;
  /** A copy of the current state; pass it to {@link createSeededRandom} to resume. */
  getState(): SeededRandomState;
}

/**
 * Creates a generator from a numeric seed (any finite number; only its low 32
 * bits are used) or from a state captured with `getState()`.
 */
export function createSeededRandom(seedOrState: number | SeededRandomState): SeededRandom {
  let s0: number, s1: number, s2: number, s3: number;
  if (typeof seedOrState === "number") {
    // splitmix32 spreads a small seed over the four words; an all-zero state
    // would be a fixed point of xoshiro.
    let x = seedOrState >>> 0;
    const mix = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    s0 = mix();
    s1 = mix();
    s2 = mix();
    s3 = mix();
  } else {
    [s0, s1, s2, s3] = seedOrState.map((w) => w >>> 0) as SeededRandomState;
  }
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1;
  return {
    next(): number {
      const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = rotl(s3, 11);
      return result / 4294967296;
    },
    getState(): SeededRandomState {
      return [s0 >>> 0, s1 >>> 0, s2 >>> 0, s3 >>> 0];
    },
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
