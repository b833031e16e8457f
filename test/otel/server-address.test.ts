import { describe, expect, it } from "vitest";
import type { TelemetryTarget } from "../../src/client/client-telemetry.js";
import { callNotesKey } from "../../src/metrics/call-notes.js";
import { serverAddress } from "../../src/otel/server-address.js";

const target = (url: string, transport: TelemetryTarget["transport"]): TelemetryTarget => ({ service: "prediction", transport, url, notesKey: callNotesKey });

describe("server.address and server.port", () => {
  it("come from the endpoint URL, with the scheme's default port", () => {
    expect(serverAddress(target("http://127.0.0.1:8080", "grpc"))).toEqual({ address: "127.0.0.1", port: 8080 });
    expect(serverAddress(target("https://ltv.example", "connect"))).toEqual({ address: "ltv.example", port: 443 });
    expect(serverAddress(target("http://ltv.example/base", "grpc-web"))).toEqual({ address: "ltv.example", port: 80 });
    expect(serverAddress(target("tcp://ltv.example", "tcp"))).toEqual({ address: "ltv.example", port: 50051 });
    expect(serverAddress(target("tcps://[::1]:7000", "tcp"))).toEqual({ address: "::1", port: 7000 });
    expect(serverAddress(target("http://[::1]:9000", "grpc"))).toEqual({ address: "::1", port: 9000 });
  });
});
