// The lean transport's status decoding checked against Connect-ES's own
// encoders (an independent implementation): every code, messages that need
// escaping, error details, HTTP statuses, and gRPC-web framing.
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { encodeEnvelope as connectEncodeEnvelope } from "@connectrpc/connect/protocol";
import { codeFromHttpStatus as connectCodeFromHttpStatus, errorToJsonBytes } from "@connectrpc/connect/protocol-connect";
import { codeFromHttpStatus as grpcCodeFromHttpStatus, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { trailerFlag as connectTrailerFlag, trailerSerialize } from "@connectrpc/connect/protocol-grpc-web";
import { describe, expect, it } from "vitest";
import { HealthResponseSchema } from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import { errorFromConnectBody } from "../../src/protocol-connect/status-error.js";
import { codeFromConnectName } from "../../src/protocol-connect/code-names.js";
import { grpcStatusError } from "../../src/protocol-grpc/status-error.js";
import { decodeEnvelopes, encodeEnvelope, trailerFlag } from "../../src/protocol-grpc-web/envelope.js";
import { parseGrpcWebTrailer } from "../../src/protocol-grpc-web/trailer.js";
import { grpcWebUnaryProtocol } from "../../src/protocol-grpc-web/unary-protocol.js";
import { codeFromHttpStatus } from "../../src/protocol/http-status-code.js";

const allCodes = Object.values(Code).filter((c): c is Code => typeof c === "number");
const detail = { desc: HealthResponseSchema, value: { isHealthy: true, modelVersion: "m-1", uptimeSeconds: 42n } };
const detailBytes = toBinary(HealthResponseSchema, create(HealthResponseSchema, detail.value));
const entries = (h: Headers) => {
  const list: [string, string][] = [];
  h.forEach((value, key) => list.push([key, value]));
  return list;
};
const message = "naïve: 100% wrong\r\nsecond line";

describe("Connect error bodies", () => {
  it("every code Connect-ES writes reads back with its message and details", () => {
    expect(allCodes).toHaveLength(16);
    for (const code of allCodes) {
      const body = errorToJsonBytes(new ConnectError(message, code, undefined, [detail]), {});
      const err = errorFromConnectBody(body, new ConnectError("HTTP 500", Code.Unknown));
      expect({ code: Code[err.code], message: err.rawMessage }).toEqual({ code: Code[code], message });
      expect(err.details).toEqual([{ type: "syncvalue.v1.HealthResponse", value: detailBytes, debug: expect.anything() }]);
      expect(err.findDetails(HealthResponseSchema)[0]?.modelVersion).toBe("m-1");
    }
  });

  it("falls back to the HTTP status error for what is not a Connect error", () => {
    const fallback = new ConnectError("HTTP 503", Code.Unavailable);
    const enc = (s: string) => new TextEncoder().encode(s);
    for (const body of ["<html>bad gateway</html>", "[]", "null", '{"message": 7}', '{"code":"internal","details":[{"type":"x"}]}']) {
      expect(errorFromConnectBody(enc(body), fallback)).toBe(fallback);
    }
    // A code outside the protocol keeps the status's code but the server's message.
    expect(errorFromConnectBody(enc('{"code":"teapot","message":"short and stout"}'), fallback)).toMatchObject({ code: Code.Unavailable, rawMessage: "short and stout" });
    expect(codeFromConnectName("ok")).toBeUndefined();
  });

  it("maps HTTP statuses to codes as Connect-ES does (Connect and gRPC-web tables)", () => {
    for (let status = 100; status < 600; status++) {
      expect(codeFromHttpStatus(status)).toBe(connectCodeFromHttpStatus(status));
      expect(codeFromHttpStatus(status)).toBe(grpcCodeFromHttpStatus(status));
    }
  });
});

describe("gRPC statuses", () => {
  it("every code, from grpc-status/grpc-message and from grpc-status-details-bin", () => {
    for (const code of allCodes) {
      const plain = grpcStatusError(setTrailerStatus(new Headers(), new ConnectError(message, code)));
      expect({ code: plain?.code, message: plain?.rawMessage }).toEqual({ code, message });
      const rich = grpcStatusError(setTrailerStatus(new Headers(), new ConnectError(message, code, undefined, [detail])));
      expect({ code: rich?.code, message: rich?.rawMessage }).toEqual({ code, message });
      expect(rich?.details).toEqual([{ type: "syncvalue.v1.HealthResponse", value: detailBytes }]);
    }
    expect(grpcStatusError(setTrailerStatus(new Headers(), undefined))).toBeUndefined();
    expect(grpcStatusError(new Headers({ "grpc-status": "99" }))?.code).toBe(Code.Internal);
  });

  it("reads the trailer frame Connect-ES writes", () => {
    const trailer = setTrailerStatus(new Headers({ "x-extra": "1" }), new ConnectError(message, Code.ResourceExhausted));
    const frames = decodeEnvelopes(connectEncodeEnvelope(connectTrailerFlag, trailerSerialize(trailer)));
    expect(frames).toHaveLength(1);
    expect(frames[0]!.flags).toBe(trailerFlag);
    const parsed = parseGrpcWebTrailer(frames[0]!.data);
    expect(entries(parsed)).toEqual(entries(trailer));
  });

  it("frames a message as Connect-ES does", () => {
    const bytes = toBinary(HealthResponseSchema, create(HealthResponseSchema, detail.value));
    expect(encodeEnvelope(bytes)).toEqual(connectEncodeEnvelope(0, bytes));
    expect(() => decodeEnvelopes(encodeEnvelope(bytes).subarray(0, 7))).toThrow(/incomplete envelope/);
  });
});

describe("gRPC-web responses", () => {
  const decode = (response: Response) =>
    grpcWebUnaryProtocol.decodeResponse(response, async () => new Uint8Array(await response.arrayBuffer()));
  const fail = (response: Response) => decode(response).then(() => expect.fail("expected an error"), (e: unknown) => e as ConnectError);
  const ok = { "content-type": "application/grpc-web+proto" };
  const trailerFrame = (t: Headers) => connectEncodeEnvelope(connectTrailerFlag, trailerSerialize(t));

  it("trailers-only: the status in the headers is the call's error", async () => {
    const headers = setTrailerStatus(new Headers(ok), new ConnectError("no such customer", Code.NotFound));
    expect(await fail(new Response(null, { headers }))).toMatchObject({ code: Code.NotFound, rawMessage: "no such customer" });
  });

  it("a status OK without a message breaks unary cardinality: Unimplemented", async () => {
    expect((await fail(new Response(null, { headers: { ...ok, "grpc-status": "0" } }))).code).toBe(Code.Unimplemented);
    expect((await fail(new Response(trailerFrame(setTrailerStatus(new Headers(), undefined)), { headers: ok }))).code).toBe(Code.Unimplemented);
  });

  it("a message and an OK trailer: the message and the trailer", async () => {
    const msg = toBinary(HealthResponseSchema, create(HealthResponseSchema, detail.value));
    const trailer = setTrailerStatus(new Headers({ "x-served-by": "a" }), undefined);
    const body = new Uint8Array([...connectEncodeEnvelope(0, msg), ...trailerFrame(trailer)]);
    const res = await decode(new Response(body, { headers: ok }));
    expect(res.message).toEqual(msg);
    expect(res.trailer.get("x-served-by")).toBe("a");
  });

  it("no trailer at all: Unknown; a non-2xx HTTP status: the status's code", async () => {
    const msg = connectEncodeEnvelope(0, new Uint8Array([8, 1]));
    expect((await fail(new Response(msg, { headers: ok }))).code).toBe(Code.Unknown);
    expect((await fail(new Response("busy", { status: 503 }))).code).toBe(Code.Unavailable);
  });
});
