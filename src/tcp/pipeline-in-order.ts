/**
 * Sends each input as soon as it arrives, with up to `window` answers
 * outstanding, and yields the answers in input order. This is how
 * `PredictLTVStream` runs over TCP: each message becomes a pipelined
 * `PredictLTV` (docs/wire-protocol.md: streaming has no TCP binding, pipelining on a
 * pooled connection takes its place). Reading inputs runs concurrently with yielding outputs, so a
 * caller may write the next input after reading an answer.
 *
 * The first failed answer is thrown from the output; later ones are dropped.
 */
export async function* pipelineInOrder<I, O>(
  inputs: AsyncIterable<I>,
  send: (input: I) => Promise<O>,
  window: number,
): AsyncGenerator<O> {
  const fifo: Promise<O>[] = [];
  let inputDone = false;
  let inputError: unknown;
  let hasInputError = false;
  let wakeOutput: (() => void) | undefined;
  let wakeInput: (() => void) | undefined;
  let stopped = false;

  const pump = (async () => {
    try {
      for await (const input of inputs) {
        while (fifo.length >= window && !stopped) await new Promise<void>((r) => (wakeInput = r));
        if (stopped) break;
        const answer = send(input);
        answer.catch(() => undefined); // observed when yielded
        fifo.push(answer);
        wakeOutput?.();
      }
    } catch (e) {
      inputError = e;
      hasInputError = true;
    } finally {
      inputDone = true;
      wakeOutput?.();
    }
  })();

  try {
    for (;;) {
      if (fifo.length > 0) {
        const head = fifo.shift()!;
        const w = wakeInput;
        wakeInput = undefined;
        w?.();
        yield await head;
        continue;
      }
      if (inputDone) {
        if (hasInputError) throw inputError;
        return;
      }
      await new Promise<void>((r) => (wakeOutput = r));
      wakeOutput = undefined;
    }
  } finally {
    stopped = true;
    wakeInput?.();
    void pump;
  }
}
