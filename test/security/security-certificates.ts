import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Certificates made with openssl at test time, for every TLS failure the security tests need. */
export interface SecurityCertificates {
  ca: string;
  /** A CA that signed nothing here: trusting only it must fail. */
  otherCa: string;
  /** Valid for 127.0.0.1 and localhost. */
  server: { cert: string; key: string };
  /** Signed by `ca` for 127.0.0.1, but expired (notAfter before notBefore, both in the past by now). */
  expired: { cert: string; key: string };
  /** Signed by `ca`, valid, for `other.example` only: connecting to 127.0.0.1 must fail. */
  wrongName: { cert: string; key: string };
  /** A client certificate signed by `ca`, for mutual TLS. */
  client: { cert: string; key: string };
}

export function makeSecurityCertificates(): SecurityCertificates {
  const dir = mkdtempSync(join(tmpdir(), "syncvalue-sec-"));
  const run = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  try {
    for (const name of ["ca", "other-ca"]) {
      run("req", "-x509", ...ec, "-days", "2", "-subj", `/CN=syncvalue test ${name}`, "-keyout", `${name}.key`, "-out", `${name}.pem`);
    }
    const leaf = (name: string, ext: string, days: string) => {
      run("req", ...ec, "-subj", `/CN=${name}`, "-keyout", `${name}.key`, "-out", `${name}.csr`);
      writeFileSync(join(dir, `${name}.ext`), ext);
      run("x509", "-req", "-in", `${name}.csr`, "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", days,
        "-extfile", `${name}.ext`, "-out", `${name}.pem`);
      return { cert: read(`${name}.pem`), key: read(`${name}.key`) };
    };
    const read = (f: string) => readFileSync(join(dir, f), "utf8");
    const serverExt = "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n";
    return {
      ca: read("ca.pem"),
      otherCa: read("other-ca.pem"),
      server: leaf("server", serverExt, "2"),
      expired: leaf("expired", serverExt, "-1"),
      wrongName: leaf("wrong-name", "subjectAltName=DNS:other.example\nextendedKeyUsage=serverAuth\n", "2"),
      client: leaf("client", "extendedKeyUsage=clientAuth\n", "2"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
