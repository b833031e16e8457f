import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EndpointOptions } from "../../src/client/client-options.js";
import { createClient } from "../../src/node/create-client-node.js";
import { createServer, type ReferenceServer } from "../../src/server/index.js";
import { makeSecurityCertificates, type SecurityCertificates } from "./security-certificates.js";

// TLS and mutual TLS on both transports (HTTP/2 gRPC over https://, raw TCP
// over tcps://) with certificates made by openssl at test time. Each failure
// must be a clear error, and no request may reach the server: its request
// counter (every RPC over both bindings) stays where it was.
const TOKEN = "tok-sec-9c1f2a7b";
const wire = { cache: false, retry: false, circuitBreaker: false, fallback: false, timeoutMs: 5000 } as const;
let certs: SecurityCertificates;
const servers: Record<"plain" | "mutual" | "expired" | "wrongName", ReferenceServer> = {} as never;

beforeAll(async () => {
  certs = makeSecurityCertificates();
  const start = (leaf: { cert: string; key: string }, mutual: boolean) => {
    const tls = { ...leaf, ...(mutual ? { ca: certs.ca, requestCert: true } : {}) };
    return createServer({ host: "127.0.0.1", port: 0, tls, tcp: { tls }, authToken: TOKEN });
  };
  servers.plain = await start(certs.server, false);
  servers.mutual = await start(certs.server, true);
  servers.expired = await start(certs.expired, false);
  servers.wrongName = await start(certs.wrongName, false);
}, 30_000);

afterAll(async () => {
  await Promise.all(Object.values(servers).map((s) => s?.close()));
});

type Transport = "gRPC" | "TCP";
const transports: Transport[] = ["gRPC", "TCP"];

/** An endpoint of `server` over `t` with these TLS settings. */
function endpoint(t: Transport, server: ReferenceServer, tls: EndpointOptions["tls"]): EndpointOptions {
  if (t === "gRPC") return { url: server.url, tls };
  return { url: server.tcpUrl!, tcp: { tls, pool: { min: 0 } } };
}

const request = (id: string) => ({ requestId: id, customerId: "PII-customer-7781", platform: "meta" });

async function outcome(t: Transport, server: ReferenceServer, tls: EndpointOptions["tls"], token = TOKEN) {
  const client = createClient({ ...wire, prediction: endpoint(t, server, tls), auth: { token } });
  const before = server.requestCount();
  try {
    const result = await client.prediction.predictLTV(request(`${t}-1`)).then(
      (r) => ({ ok: r.requestId }),
      (e: unknown) => ({ error: e }),
    );
    return { ...result, sent: server.requestCount() - before };
  } finally {
    await client.close();
  }
}

function expectClear(error: unknown, pattern: RegExp): ConnectError {
  expect(error).toBeInstanceOf(ConnectError);
  const e = error as ConnectError;
  expect(e.rawMessage, `code ${Code[e.code]}`).toMatch(pattern);
  // Neither the token nor the request's data ever appear in an error.
  let metadata = "";
  e.metadata.forEach((v, k) => (metadata += `${k}=${v};`));
  const everything = `${e.message} ${String(e.cause)} ${metadata}`;
  expect(everything).not.toContain(TOKEN);
  expect(everything).not.toContain("PII-customer");
  return e;
}

describe.each(transports)("%s over TLS", (t) => {
  it("succeeds with the right CA, and the server name from the URL", async () => {
    const r = await outcome(t, servers.plain, { ca: certs.ca });
    expect(r).toMatchObject({ ok: `${t}-1`, sent: 1 });
  });

  it("mutual TLS: succeeds with a client certificate signed by the server's CA", async () => {
    const r = await outcome(t, servers.mutual, { ca: certs.ca, ...certs.client });
    expect(r).toMatchObject({ ok: `${t}-1`, sent: 1 });
  });

  it("mutual TLS without a client certificate: a clear error, no request", async () => {
    const r = await outcome(t, servers.mutual, { ca: certs.ca });
    expect("error" in r).toBe(true);
    const e = expectClear((r as { error: unknown }).error, /certificate required/i);
    expect(e.code).toBe(Code.Unavailable);
    expect(r.sent).toBe(0);
  });

  it("a server signed by another CA: a clear certificate error, no request", async () => {
    const r = await outcome(t, servers.plain, { ca: certs.otherCa });
    const e = expectClear((r as { error: unknown }).error, /certificate|self.signed|issuer/i);
    expect(e.code).toBe(Code.Unavailable);
    expect(r.sent).toBe(0);
  });

  it("an expired server certificate: a clear error, no request", async () => {
    const r = await outcome(t, servers.expired, { ca: certs.ca });
    expect(expectClear((r as { error: unknown }).error, /expired/i).code).toBe(Code.Unavailable);
    expect(r.sent).toBe(0);
  });

  it("a certificate for another name: a clear error, no request", async () => {
    const r = await outcome(t, servers.wrongName, { ca: certs.ca });
    expect(expectClear((r as { error: unknown }).error, /altname|hostname|other\.example|does not match/i).code).toBe(Code.Unavailable);
    expect(r.sent).toBe(0);
  });

  it("the right certificate under the name it was issued for (serverName) succeeds", async () => {
    const r = await outcome(t, servers.wrongName, { ca: certs.ca, serverName: "other.example" });
    expect(r).toMatchObject({ ok: `${t}-1`, sent: 1 });
  });

  it("a refused token: Unauthenticated, the token never echoed, and nothing applied", async () => {
    const server = servers.plain;
    const wrong = "wrong-token-55aa";
    const client = createClient({ ...wire, storage: endpoint(t, server, { ca: certs.ca }), auth: { token: wrong } });
    const good = createClient({ ...wire, storage: endpoint(t, server, { ca: certs.ca }), auth: { token: TOKEN } });
    try {
      const before = server.requestCount();
      const err = await client.storage.learnConcept({ conceptId: `sec-${t}`, content: "PII-content" }).catch((e: unknown) => e);
      const e = expectClear(err, /token|auth|unauthenticated/i);
      expect(e.code).toBe(Code.Unauthenticated);
      expect(`${e.message} ${String(e.cause)}`).not.toContain(wrong);
      // Over TCP the handshake fails before any frame: the server saw no request.
      // Over gRPC the token travels with the request, which the server refuses unexecuted.
      if (t === "TCP") expect(server.requestCount()).toBe(before);
      expect((await good.storage.queryConcept({ conceptId: `sec-${t}` })).found).toBe(false);
    } finally {
      await client.close();
      await good.close();
    }
  });
});
