import type { TelemetryTarget } from "../client/client-telemetry.js";
import { defaultTcpPort } from "../tcp/tcp-url.js";

/** `server.address` and `server.port` of a target: its URL's host (IPv6 without brackets) and port, or the scheme's default. */
export function serverAddress(target: TelemetryTarget): { address: string; port: number } {
  const url = new URL(target.url);
  const address = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  if (url.port !== "") return { address, port: Number(url.port) };
  const port = url.protocol === "https:" ? 443 : url.protocol === "http:" ? 80 : defaultTcpPort;
  return { address, port };
}
