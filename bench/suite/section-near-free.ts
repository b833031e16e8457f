import type { LTVPredictionRequest } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { bareSocket } from "./contenders/bare-socket-contender.js";
import { connectNodeGrpc, leanGrpcConnectClient } from "./contenders/connect-client-contenders.js";
import { connectJsonFetch } from "./contenders/connect-json-fetch-contender.js";
import { connectWebBinary, syncvalueFetch } from "./contenders/fetch-transport-contenders.js";
import { grpcJs } from "./contenders/grpc-js-contender.js";
import { minimalTcp } from "./contenders/minimal-tcp-contender.js";
import { syncvalueGrpcDefaults, syncvalueTcpDefaults } from "./contenders/syncvalue-contenders.js";
import type { ContenderFactory } from "./contenders/unary-contender.js";
import { processCpuMicros } from "./process-cpu-time.js";
import { startServerProcess } from "./reference-server-process.js";
import { runUnarySection, type UnarySectionResult } from "./section-unary.js";

/**
 * Who is measured against the near-free server: the minimal TCP client (the
 * floor), the bare socket pump (the socket alone, no codec: sequential), the
 * SDK's client on both transports with default options, the gRPC
 * alternatives, the two gRPC paths under one Connect client (the lean path
 * against connect-node's transport), the SDK's fetch transport against
 * connect-web's (binary Connect over fetch, one Connect client each) and
 * Connect JSON over fetch.
 */
export const nearFreeFactories: readonly ContenderFactory[] = [
  minimalTcp,
  bareSocket,
  syncvalueTcpDefaults,
  syncvalueGrpcDefaults,
  grpcJs,
  leanGrpcConnectClient,
  connectNodeGrpc,
  syncvalueFetch,
  connectWebBinary,
  connectJsonFetch,
];

/** Options of {@link runNearFreeSection}. */
export interface NearFreeSectionOptions {
  /** The bundled near-free server (`BenchBundles.nearFree`). */
  serverBundle: string;
  request: LTVPredictionRequest;
  deadlineMs: number;
  concurrencies: readonly number[];
  rounds: number;
  cellMs: number;
  warmupMs: number;
  /** See `UnarySectionOptions.slicesAtConcurrency1`. Default 1. */
  slicesAtConcurrency1?: number;
  log: (line: string) => void;
  /** Default {@link nearFreeFactories}. */
  factories?: readonly ContenderFactory[];
}

/**
 * Every contender against the near-free server (`near-free-server.ts`, its
 * own process, answers pre-encoded), in interleaved rounds as the unary
 * section runs them, with GC counts and event loop delay per cell: what each
 * client costs when the server costs almost nothing.
 */
export async function runNearFreeSection(o: NearFreeSectionOptions): Promise<UnarySectionResult> {
  const server = await startServerProcess("near-free server", [o.serverBundle]);
  o.log(`near-free server pid ${server.pid}: ${server.httpUrl} ${server.tcpUrl}`);
  try {
    return await runUnarySection({
      factories: o.factories ?? nearFreeFactories,
      target: { httpUrl: server.httpUrl, tcpUrl: server.tcpUrl, request: o.request, deadlineMs: o.deadlineMs },
      concurrencies: o.concurrencies,
      rounds: o.rounds,
      cellMs: o.cellMs,
      warmupMs: o.warmupMs,
      slicesAtConcurrency1: o.slicesAtConcurrency1,
      log: o.log,
      serverCpuMicros: () => processCpuMicros(server.pid),
      observeRuntime: true,
    });
  } finally {
    await server.stop();
  }
}
