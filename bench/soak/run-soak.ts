/**
 * `npm run soak`: a million predictions and storage calls over raw TCP and
 * gRPC at high concurrency, while the server is SIGKILLed and restarted at
 * random intervals and a proxy resets connections. Checks that every call
 * gets its own correct answer or a clear error, none is lost or applied
 * twice, and the client's memory and handles are flat at the end.
 *
 *   npm run soak                      # the full run (1,000,000 calls)
 *   npm run soak -- --calls 50000     # shorter
 *   npm run soak -- --calls 20000 --kill-mean-ms 1000 --reset-mean-ms 500 --json
 *
 * Options (defaults): --calls 1000000, --concurrency 128 (per transport),
 * --max-seconds 1800, --seed 1, --kill-mean-ms 4000, --reset-mean-ms 1500,
 * --timeout-ms 2000, --json. Exit code 0 when every invariant held, 1 if not.
 *
 * Three processes: this orchestrator (fault proxies, kill schedule, the
 * verdict), the server (`--role server`, restarted on the same ports), and
 * the client (`--role client`, its memory and handles measured alone). All
 * bind 127.0.0.1; children are killed by PID.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { spawnServer, type ServerProcess } from "../../test/support/server-process.js";
import { startTcpFaultProxy } from "../../test/support/tcp-fault-proxy.js";
import { readJournalCounts } from "./journaled-concept-store.js";
import { startFaults, type FaultSchedule } from "./soak-faults.js";
import { parseSoakOptions, toFlags, type SoakOptions } from "./soak-options.js";
import { checkInvariants, formatSummary, type SoakSummary } from "./soak-report.js";
import { runSoakServer } from "./soak-server.js";
import { runSoakClient, type WorkloadResult } from "./soak-workload.js";

const script = process.argv[1]!;

async function orchestrate(o: SoakOptions): Promise<number> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const dir = mkdtempSync(join(tmpdir(), "syncvalue-soak-"));
  const journal = join(dir, "journal.ndjson");
  const ackedFile = join(dir, "acked.txt");
  let server: ServerProcess | undefined;
  let httpPort = 0;
  let tcpPort = 0;
  const startServer = async () => {
    // The old listener's port is free once the kill returns; retry briefly in case it is not yet.
    for (let attempt = 0; ; attempt++) {
      try {
        server = await spawnServer({
          command: [process.execPath, script, ...toFlags({ role: "server", httpPort, tcpPort, journal })],
          ready: /soak server listening http=(?<http>\d+) tcp=(?<tcp>\d+)/,
        });
        httpPort = Number(server.ready.http);
        tcpPort = Number(server.ready.tcp);
        return;
      } catch (e) {
        if (attempt >= 20) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  await startServer();
  const grpcProxy = await startTcpFaultProxy(httpPort);
  const tcpProxy = await startTcpFaultProxy(tcpPort);
  log(`soak: server http=${httpPort} tcp=${tcpPort}, proxies grpc=${grpcProxy.port} tcp=${tcpProxy.port}, ${o.calls} calls`);

  const client = spawn(
    process.execPath,
    [script, ...toFlags({
      role: "client", calls: o.calls, concurrency: o.concurrency, seed: o.seed, timeoutMs: o.timeoutMs, maxSeconds: o.maxSeconds,
      grpcUrl: `http://127.0.0.1:${grpcProxy.port}`, tcpUrl: `tcp://127.0.0.1:${tcpProxy.port}`, ackedFile,
    })],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  const clientExited = new Promise<void>((r) => client.once("exit", () => r()));
  // The whole run is bounded: past this the client is killed and the run fails.
  const hardLimit = setTimeout(() => {
    log("soak: hard time limit reached, killing the client");
    if (client.pid) process.kill(client.pid, "SIGKILL");
  }, (o.maxSeconds + 180) * 1000);

  let faults: FaultSchedule | undefined;
  let result: WorkloadResult | undefined;
  const lines = createInterface({ input: client.stdout! });
  for await (const line of lines) {
    const msg = JSON.parse(line) as { type: string; [k: string]: unknown };
    if (msg.type === "warm") {
      faults = startFaults({
        seed: o.seed + 1,
        killMeanMs: o.killMeanMs,
        resetMeanMs: o.resetMeanMs,
        maxMs: o.maxSeconds * 1000,
        proxies: [grpcProxy, tcpProxy],
        server: () => server!,
        restart: startServer,
      });
    } else if (msg.type === "progress") {
      const c = faults?.counts;
      log(`soak: ${msg.calls} calls, ${msg.ok} ok, ${msg.errors} errors, ${msg.mismatches} mismatches, ${msg.hung} hung, ${msg.seconds} s; ${c?.kills ?? 0} kills, ${c?.resetEvents ?? 0} resets`);
    } else if (msg.type === "calls-done") {
      await faults?.stop();
      log("soak: calls done, faults stopped; fault-free recovery phase");
      client.stdin!.write("settle\n");
    } else if (msg.type === "result") {
      result = msg.result as WorkloadResult;
    }
  }
  await clientExited;
  clearTimeout(hardLimit);
  await server?.kill();
  await Promise.all([grpcProxy.close(), tcpProxy.close()]);
  if (!result) {
    rmSync(dir, { recursive: true, force: true });
    log("soak: the client ended without a result");
    return 1;
  }

  const counts = readJournalCounts(journal);
  const acked = readFileSync(ackedFile, "utf8").split("\n").filter((l) => l !== "");
  const ackedSet = new Set(acked);
  let duplicates = 0;
  let appliedButFailed = 0;
  for (const [id, n] of counts) {
    if (n > 1) duplicates++;
    if (!ackedSet.has(id) && id.startsWith(`k-${o.seed}-`) && !/^k-\d+-(1|2|3)\d{7}$/.test(id)) appliedButFailed++;
  }
  const lostWrites = acked.filter((id) => !counts.has(id)).length;
  rmSync(dir, { recursive: true, force: true });

  const base = {
    options: { calls: o.calls, concurrency: o.concurrency, seed: o.seed, killMeanMs: o.killMeanMs, resetMeanMs: o.resetMeanMs, timeoutMs: o.timeoutMs },
    client: result,
    faults: faults?.counts ?? { kills: 0, restarts: 0, downtimeMs: 0, resetEvents: 0, connectionsReset: 0 },
    duplicates,
    lostWrites,
    appliedButFailed,
  };
  const failures = checkInvariants(base);
  const summary: SoakSummary = { ...base, failures, passed: failures.length === 0 };
  process.stdout.write(o.json ? `${JSON.stringify(summary)}\n` : `${formatSummary(summary)}\n`);
  return summary.passed ? 0 : 1;
}

const options = parseSoakOptions(process.argv.slice(2));
switch (options.role) {
  case "server":
    await runSoakServer(options);
    break;
  case "client":
    await runSoakClient(options);
    process.exit(0);
    break;
  default:
    process.exit(await orchestrate(options));
}
