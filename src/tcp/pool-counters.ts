/**
 * A pool's running counts, all zero: a new pool's, and what a pool whose code
 * has not loaded yet reports (Deno's and Bun's lazily loaded TCP transport).
 * Its own file so that the lazy loader does not import the pool.
 */
export function zeroPoolCounters() {
  return {
    connects: 0,
    reconnects: 0,
    connectFailures: 0,
    lost: 0,
    idleClosed: 0,
    verifications: 0,
    verifyFailures: 0,
    thaws: 0,
    redispatched: 0,
    lateAnswers: 0,
    lateAnswersOverdue: 0,
  };
}
