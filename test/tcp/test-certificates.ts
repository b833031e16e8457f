import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A throwaway CA with a server certificate for 127.0.0.1/localhost and a client certificate, made with openssl. */
export interface TestCertificates {
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A CA that signed nothing here: trusting only it must fail. */
  otherCa: string;
}

export function makeTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), "syncvalue-tls-"));
  const run = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  try {
    const ca = (name: string) => {
      run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
        "-subj", `/CN=${name}`, "-keyout", `${name}.key`, "-out", `${name}.pem`);
    };
    ca("ca");
    ca("other-ca");
    const leaf = (name: string, ext: string) => {
      run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", `/CN=${name}`,
        "-keyout", `${name}.key`, "-out", `${name}.csr`);
      writeFileSync(join(dir, `${name}.ext`), ext);
      run("x509", "-req", "-in", `${name}.csr`, "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
        "-extfile", `${name}.ext`, "-out", `${name}.pem`);
    };
    leaf("server", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
    leaf("client", "extendedKeyUsage=clientAuth\n");
    const read = (f: string) => readFileSync(join(dir, f), "utf8");
    return {
      ca: read("ca.pem"),
      serverCert: read("server.pem"),
      serverKey: read("server.key"),
      clientCert: read("client.pem"),
      clientKey: read("client.key"),
      otherCa: read("other-ca.pem"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
