import { join } from "node:path";
import { toJson } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { LTVPredictionRequestSchema } from "../../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { repositoryRoot } from "../bench-bundles.js";
import type { ContenderFactory } from "./unary-contender.js";

type Callback = (err: grpc.ServiceError | null, value?: unknown) => void;
type PredictClient = grpc.Client & {
  PredictLTV(request: unknown, options: grpc.CallOptions, callback: Callback): grpc.ClientUnaryCall;
};

/**
 * `@grpc/grpc-js` with `@grpc/proto-loader` over `proto/`, one channel with
 * default settings: what most Node users would pick instead.
 */
export const grpcJs: ContenderFactory = async (target) => {
  const definition = protoLoader.loadSync("syncvalue/v1/syncvalue.proto", {
    includeDirs: [join(repositoryRoot(), "proto")],
    longs: String,
    enums: String,
  });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    syncvalue: { v1: { SyncValueService: new (address: string, credentials: grpc.ChannelCredentials) => PredictClient } };
  };
  const address = new URL(target.httpUrl).host;
  const client = new loaded.syncvalue.v1.SyncValueService(address, grpc.credentials.createInsecure());
  // The same request as the others, as the plain object proto-loader expects (int64 as strings).
  const request = toJson(LTVPredictionRequestSchema, target.request);
  const { deadlineMs } = target;
  const call = () =>
    new Promise<unknown>((resolve, reject) => {
      client.PredictLTV(request, { deadline: Date.now() + deadlineMs }, (err, value) => (err ? reject(err) : resolve(value)));
    });
  await call();
  return {
    id: "grpc-js",
    name: "@grpc/grpc-js (1 channel)",
    call,
    close: async () => client.close(),
  };
};
