// Guest for Vercel's edge-runtime: bundled (IIFE, `edge-light` condition) and
// evaluated in an EdgeRuntime VM; a fetch event runs the scenario.
import * as sv from "syncvalue";
import * as bid from "syncvalue/bid";
import { runScenario, trackUnhandledRejections } from "./runtime-scenario.js";

interface FetchEvent {
  request: Request;
  respondWith(response: Promise<Response>): void;
}

const rejections = trackUnhandledRejections();

(globalThis as unknown as { addEventListener(type: "fetch", listener: (e: FetchEvent) => void): void }).addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  const targets = { httpUrl: url.searchParams.get("http") ?? "", deadUrl: url.searchParams.get("dead") ?? "", tcpUrl: url.searchParams.get("tcp") ?? undefined, useTcp: false };
  event.respondWith(runScenario("edge-runtime", sv, bid, targets, rejections).then((r) => Response.json(r)));
});
