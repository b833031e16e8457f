import type { UnarySectionResult } from "./section-unary.js";

const int = (n: number | undefined) => (n !== undefined && Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "n/a");
const dec = (n: number | undefined, digits = 1) => (n !== undefined && Number.isFinite(n) ? n.toFixed(digits) : "n/a");
const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined || !Number.isFinite(a / b) ? "–" : `${(a / b).toFixed(2)}x`;

function table(header: string[], rows: string[][]): string[] {
  return [`| ${header.join(" | ")} |`, `|${header.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)];
}

/**
 * The near-free section of a run, in Markdown (`##` headings): every client's
 * own cost when the server costs almost nothing, against the minimal TCP
 * client (the floor) and grpc-js.
 */
export function nearFreeReport(u: UnarySectionResult): string[] {
  const cell = (id: string, c: number) => u.cells.find((x) => x.contender === id && x.concurrency === c);
  const levels = u.concurrencies;
  const concurrent = u.contenders.filter((c) => !c.sequentialOnly);
  const floor1 = cell("minimal", 1);
  const byLevel = (pick: (id: string, level: number) => string) => u.contenders.map((c) => [c.name, ...levels.map((l) => pick(c.id, l))]);
  const lines: string[] = [
    "## Against a near-free server",
    "",
    "The same `PredictLTV` against a server that answers with pre-encoded bytes (`bench/suite/near-free-server.ts`, its own process: raw TCP with the reference server's framing, the request's `request_id` spliced into a fixed answer; gRPC over cleartext HTTP/2 and Connect JSON over HTTP/1.1 likewise), so each client's own cost shows instead of hiding behind the reference server's 0.1-1 ms of CPU per call. " +
      `Every client at every concurrency in each of ${u.rounds} interleaved rounds of ${u.cellMs} ms per cell (order rotated per round)` +
      ((u.slicesAtConcurrency1 ?? 1) > 1
        ? `, at concurrency 1 each cell in ${u.slicesAtConcurrency1} slices of ${u.cellMs / u.slicesAtConcurrency1!} ms taken in turn (order rotated per slice) and counted together`
        : "") +
      `, medians of the rounds; the SDK's clients with default options and \`cache: false\`, every client with the same deadline. ` +
      "The floor is the minimal TCP client (`bench/suite/contenders/minimal-tcp-contender.ts`): msgpackr encode and decode, answers matched first in, first out on one socket. The bare socket row writes pre-encoded bytes and decodes nothing (sequential): the socket's own cost.",
    "",
    "### At concurrency 1",
    "",
    ...table(
      ["client", "p50 µs", "p99 µs", "calls/s", "client CPU µs/call", "server CPU µs/call", "GCs per 1k calls", "GC µs/call", "event loop delay p99 µs", "p50 vs floor", "p99 vs floor", "CPU vs floor"],
      u.contenders.map((c) => {
        const x = cell(c.id, 1);
        if (!x) return [c.name, ...Array<string>(11).fill("–")];
        return [
          c.name,
          dec(x.p50Us, 0),
          dec(x.p99Us, 0),
          int(x.callsPerSecond),
          dec(x.cpuUsPerCall),
          dec(x.serverCpuUsPerCall),
          dec(x.gcsPerKCall, 2),
          dec(x.gcUsPerCall, 2),
          dec(x.loopDelayP99Us, 0),
          ratio(x.p50Us, floor1?.p50Us),
          ratio(x.p99Us, floor1?.p99Us),
          ratio(x.cpuUsPerCall, floor1?.cpuUsPerCall),
        ];
      }),
    ),
    "",
    "GCs are this process's garbage collections in the measured window (a `gc` PerformanceObserver: what `--trace-gc` prints), none forced before it, so on average they are the ones the cell's own allocation causes (a short cell counts few: read them from the full run); the event loop delay is `perf_hooks.monitorEventLoopDelay` sampled every 2 ms over the same window, less those 2 ms: how late a timer due then would fire.",
    "",
    "### Throughput (calls/s) by concurrency",
    "",
    ...table(["client", ...levels.map((l) => `c=${l}`)], byLevel((id, l) => int(cell(id, l)?.callsPerSecond))),
    "",
    "### Client CPU per call (µs) by concurrency",
    "",
    ...table(["client", ...levels.map((l) => `c=${l}`)], byLevel((id, l) => dec(cell(id, l)?.cpuUsPerCall))),
    "",
    "### Client CPU per call against the floor, and throughput against grpc-js",
    "",
    ...table(
      ["client", ...levels.map((l) => `CPU c=${l}`), ...levels.map((l) => `calls/s c=${l}`)],
      concurrent.map((c) => [
        c.name,
        ...levels.map((l) => ratio(cell(c.id, l)?.cpuUsPerCall, cell("minimal", l)?.cpuUsPerCall)),
        ...levels.map((l) => ratio(cell(c.id, l)?.callsPerSecond, cell("grpc-js", l)?.callsPerSecond)),
      ]),
    ),
    "",
    "### p99 latency (µs) by concurrency",
    "",
    ...table(["client", ...levels.map((l) => `c=${l}`)], byLevel((id, l) => dec(cell(id, l)?.p99Us, 0))),
    "",
    "### GCs per 1,000 calls and event loop delay p99 (µs) by concurrency",
    "",
    ...table(
      ["client", ...levels.map((l) => `GCs c=${l}`), ...levels.map((l) => `delay c=${l}`)],
      u.contenders.map((c) => [c.name, ...levels.map((l) => dec(cell(c.id, l)?.gcsPerKCall, 2)), ...levels.map((l) => dec(cell(c.id, l)?.loopDelayP99Us, 0))]),
    ),
    "",
  ];
  const pair = (title: string, text: string, oursId: string, theirsId: string, labels: string) => {
    const rows = levels.map((l) => ({ l, ours: cell(oursId, l), theirs: cell(theirsId, l) })).filter((x) => x.ours && x.theirs);
    if (rows.length === 0) return;
    lines.push(
      `### ${title}`,
      "",
      text,
      "",
      ...table(
        ["concurrency", `client CPU µs/call, ${labels}`, "CPU ratio", "p50 µs", "p99 µs", "calls/s", "calls/s ratio"],
        rows.map(({ l, ours, theirs }) => [
          `c=${l}`,
          `${dec(ours!.cpuUsPerCall)} / ${dec(theirs!.cpuUsPerCall)}`,
          ratio(ours!.cpuUsPerCall, theirs!.cpuUsPerCall),
          `${dec(ours!.p50Us, 0)} / ${dec(theirs!.p50Us, 0)}`,
          `${dec(ours!.p99Us, 0)} / ${dec(theirs!.p99Us, 0)}`,
          `${int(ours!.callsPerSecond)} / ${int(theirs!.callsPerSecond)}`,
          ratio(ours!.callsPerSecond, theirs!.callsPerSecond),
        ]),
      ),
      "",
    );
  };
  pair(
    "Lean gRPC path against connect-node's transport",
    "The SDK's unary gRPC path (`src/node/grpc-unary-call-node.ts`, which replaces connect-node's transport for unary calls) and connect-node's own `createGrpcTransport`, each under the same Connect client (`createClient` of @connectrpc/connect) and none of the SDK's layers.",
    "lean-grpc",
    "connect-node-grpc",
    "lean / connect-node",
  );
  pair(
    "Fetch transport against connect-web's",
    "The SDK's fetch transport (`src/web/create-fetch-transport.ts`, what edge runtimes get) and connect-web's `createConnectTransport`, both binary Connect over HTTP/1.1 `fetch` (undici on Node), each under the same Connect client; their bundles are compared in [Fetch transport bundle against connect-web](#fetch-transport-bundle-against-connect-web) when the full suite runs.",
    "fetch",
    "connect-web",
    "ours / connect-web",
  );
  const errors = u.cells.filter((x) => x.errors > 0);
  if (errors.length > 0) {
    const name = new Map(u.contenders.map((c) => [c.id, c.name]));
    lines.push("Errors against the near-free server:", "", ...errors.map((x) => `- ${name.get(x.contender)} at c=${x.concurrency}: ${x.errors} of ${x.calls} calls (${x.firstError})`), "");
  }
  return lines;
}
