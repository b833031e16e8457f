// Guest Worker for workerd (Miniflare): GET /?http=<url>&tcp=<url> runs the
// scenario and answers its JSON. Bundled with the `workerd` condition.
import * as sv from "syncvalue";
import * as bid from "syncvalue/bid";
import { predictionFields, predictionRequest, runScenario, trackUnhandledRejections, type StepResult } from "./runtime-scenario.js";

const rejections = trackUnhandledRejections();

async function outcome(body: () => Promise<unknown> | unknown): Promise<StepResult> {
  try {
    return { ok: true, value: JSON.parse(JSON.stringify((await body()) ?? null)) };
  } catch (e) {
    const err = sv.ConnectError.from(e);
    return { ok: false, code: sv.Code[err.code] ?? String(err.code), message: err.rawMessage };
  }
}

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const targets = { httpUrl: url.searchParams.get("http") ?? "", deadUrl: url.searchParams.get("dead") ?? "", tcpUrl: url.searchParams.get("tcp") ?? undefined, useTcp: false };
    const result = await runScenario("workerd", sv, bid, targets, rejections);
    const tcpUrl = targets.tcpUrl;
    if (tcpUrl) {
      // The Worker build of createPredictionClient ships raw TCP only when it is passed in.
      result.steps["predictionClient.tcpWithout"] = await outcome(() => sv.createPredictionClient({ endpoint: tcpUrl }));
      result.steps["predictionClient.tcp"] = await outcome(async () => {
        const lean = sv.createPredictionClient({ endpoint: tcpUrl, tcpTransport: sv.createTcpTransport, timeoutMs: 2_000 });
        try {
          return predictionFields(await lean.prediction.predictLTV(predictionRequest("cust-a", 4)));
        } finally {
          await lean.close();
        }
      });
    }
    return Response.json(result);
  },
};
