// Guest Worker for the TCP deadline test (test/runtimes/workerd-tcp-deadline.test.ts):
// one module-scope prediction client over raw TCP (a socket per call, as in any
// Worker), kept across requests. GET /?tcp=<url>&customer=<id>&timeoutMs=<ms>
// makes one predictLTV call and answers how it went; with &leave=1 it starts
// the call and answers at once, leaving the call (and its deadline) behind
// when the request ends.
// Bundled from the source (not dist/) for workerd, so it tests the code as it
// is in the working tree.
import { Code, ConnectError, createPredictionClient, createTcpTransport, type PredictionClient } from "../../../src/index-workerd.js";

let client: PredictionClient | undefined;

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    client ??= createPredictionClient({ endpoint: url.searchParams.get("tcp") ?? "", tcpTransport: createTcpTransport, cache: false });
    const call = client.prediction.predictLTV(
      { requestId: "r", customerId: url.searchParams.get("customer") ?? "c", platform: "meta" },
      { timeoutMs: Number(url.searchParams.get("timeoutMs")) },
    );
    if (url.searchParams.get("leave") === "1") {
      call.catch(() => undefined);
      return Response.json({ ok: true, left: true });
    }
    const started = Date.now();
    try {
      await call;
      return Response.json({ ok: true, elapsedMs: Date.now() - started });
    } catch (e) {
      const err = ConnectError.from(e);
      return Response.json({ ok: false, code: Code[err.code], message: err.rawMessage, elapsedMs: Date.now() - started });
    }
  },
};
