// Guest entry for runtimes that run a script as a process (Node, Bun, Deno):
// `<runtime> process-main.ts <name> <httpUrl> <deadUrl> [tcpUrl]`. `syncvalue` resolves
// through package.json "exports", so each runtime loads its own build.
import * as sv from "syncvalue";
import * as bid from "syncvalue/bid";
import { resultPrefix, runScenario, trackUnhandledRejections } from "./runtime-scenario.js";

const args = (globalThis as { Deno?: { args: string[] } }).Deno?.args ?? (globalThis as unknown as { process: { argv: string[] } }).process.argv.slice(2);
const [runtime = "unknown", httpUrl = "", deadUrl = "", tcpUrl] = args;
const rejections = trackUnhandledRejections();
const result = await runScenario(runtime, sv, bid, { httpUrl, deadUrl, tcpUrl, useTcp: true }, rejections);
// Which build the runtime's resolver picked for `syncvalue`.
const entry = import.meta.resolve("syncvalue");
console.log(resultPrefix + JSON.stringify({ ...result, entry }));
