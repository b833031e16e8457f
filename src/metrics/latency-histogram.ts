/**
 * A fixed-memory latency histogram with log-linear buckets (like HdrHistogram
 * with 16 sub-buckets per power of two): recording is a few integer
 * operations and no allocation, so it can sit on the cache-hit path, and
 * quantiles are within about 6% of the true value.
 *
 * Values are recorded in microseconds (rounded); 0 to about 71 minutes.
 */
export class LatencyHistogram {
  private readonly buckets = new Uint32Array(BUCKETS);
  private total = 0;
  private sumUs = 0;
  private maxUs = 0;

  /** Records one latency in milliseconds. */
  recordMs(ms: number): void {
    let us = Math.round(ms * 1000);
    if (!(us > 0)) us = 0; // negative clock skew or NaN counts as 0
    if (us > MAX_US) us = MAX_US;
    this.buckets[bucketOf(us)]!++;
    this.total++;
    this.sumUs += us;
    if (us > this.maxUs) this.maxUs = us;
  }

  /** Number of recorded values. */
  get count(): number {
    return this.total;
  }

  /** The value (ms) below which `q` (0..1) of the recorded values fall; 0 when empty. */
  quantileMs(q: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.buckets[i]!;
      if (seen >= rank) return Math.min(upperBoundOf(i), this.maxUs) / 1000;
    }
    return this.maxUs / 1000;
  }

  /** Mean in ms; 0 when empty. */
  meanMs(): number {
    return this.total === 0 ? 0 : this.sumUs / this.total / 1000;
  }

  /** Largest recorded value in ms. */
  maxMs(): number {
    return this.maxUs / 1000;
  }

  /** Forgets every recorded value. */
  reset(): void {
    this.buckets.fill(0);
    this.total = 0;
    this.sumUs = 0;
    this.maxUs = 0;
  }
}

const SUB_BITS = 4;
const SUB = 1 << SUB_BITS; // 16 sub-buckets per power of two
const MAX_US = 0xffffffff;
const BUCKETS = (32 - SUB_BITS + 1) * SUB;

// Values below 16 µs get one bucket each; above, the bucket is the power of
// two (exponent) and the next 4 bits of the value.
function bucketOf(us: number): number {
  if (us < SUB) return us;
  const exp = 31 - Math.clz32(us); // >= SUB_BITS
  const mantissa = (us >>> (exp - SUB_BITS)) & (SUB - 1);
  return (exp - SUB_BITS + 1) * SUB + mantissa;
}

function upperBoundOf(bucket: number): number {
  if (bucket < SUB) return bucket;
  const exp = Math.floor(bucket / SUB) - 1 + SUB_BITS;
  const mantissa = bucket % SUB;
  return (SUB + mantissa + 1) * 2 ** (exp - SUB_BITS) - 1;
}
