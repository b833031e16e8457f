import { create, isMessage, protoInt64, ScalarType } from "@bufbuild/protobuf";
import { isScalarZeroValue, scalarZeroValue } from "@bufbuild/protobuf/reflect";
import { BinaryReader, getTextEncoding, WireType } from "@bufbuild/protobuf/wire";
import { Code, ConnectError } from "@connectrpc/connect";
import { validateReadWriteMaxBytes } from "@connectrpc/connect/protocol";
import { bearerAuthInterceptor } from "../client/bearer-auth.js";
import { ResponseBytes } from "../client/response-budget.js";
import { deadlineExceeded } from "../call/deadline.js";
import { deadlineTimers } from "../call/deadline-timers.js";
import { FreezeDetector } from "../call/freeze-detector.js";
import { lazyUnaryResponseOf } from "../call/lazy-unary-response.js";
import { withSettlingInterceptor } from "../call/settling-interceptor.js";
import { markNotProcessed } from "../resilience/not-processed.js";
import { toRequestMessage } from "../validation/request-message.js";

/**
 * The core's modules that Node's HTTP transport shares with the client (one
 * deadline-timer structure, the not-processed marks the retry layer reads, the
 * core's copy of Connect and protobuf, ...), by the ids the transport's text
 * requires them by (`syncvalue:` and the path under src/, or the package's),
 * each with the exports the text reads: named, so that a bundler still drops
 * the rest. Used by the package build only, where the transport runs from its
 * text (`node-http-transport-from-text-node.ts`); the build
 * (tsup.config.ts, `nodeHttpTransportText`) checks that every module and export
 * the text requires is here, and nothing more.
 */
export function httpTransportCoreModules(): Readonly<Record<string, unknown>> {
  return {
    "@bufbuild/protobuf": { create, isMessage, protoInt64, ScalarType },
    "@bufbuild/protobuf/reflect": { isScalarZeroValue, scalarZeroValue },
    "@bufbuild/protobuf/wire": { BinaryReader, getTextEncoding, WireType },
    "@connectrpc/connect": { Code, ConnectError },
    "@connectrpc/connect/protocol": { validateReadWriteMaxBytes },
    "syncvalue:client/bearer-auth": { bearerAuthInterceptor },
    "syncvalue:client/response-budget": { ResponseBytes },
    "syncvalue:call/deadline": { deadlineExceeded },
    "syncvalue:call/deadline-timers": { deadlineTimers },
    "syncvalue:call/freeze-detector": { FreezeDetector },
    "syncvalue:call/lazy-unary-response": { lazyUnaryResponseOf },
    "syncvalue:call/settling-interceptor": { withSettlingInterceptor },
    "syncvalue:resilience/not-processed": { markNotProcessed },
    "syncvalue:validation/request-message": { toRequestMessage },
  };
}
