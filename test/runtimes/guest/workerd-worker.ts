// Guest Worker for workerd (Miniflare): GET /?http=<url>&tcp=<url> runs the
// scenario and answers its JSON. Bundled with the `workerd` condition.
import * as sv from "syncvalue";
import * as bid from "syncvalue/bid";
import { runScenario, trackUnhandledRejections } from "./runtime-scenario.js";

const rejections = trackUnhandledRejections();

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const targets = { httpUrl: url.searchParams.get("http") ?? "", deadUrl: url.searchParams.get("dead") ?? "", tcpUrl: url.searchParams.get("tcp") ?? undefined, useTcp: false };
    const result = await runScenario("workerd", sv, bid, targets, rejections);
    return Response.json(result);
  },
};
