// The files the benchmark suite runs: the "bundled app" of the cold-start
// section is the built package an application installs (dist/), bundled, not
// the sources that tsconfig.json's `paths` point "syncvalue" at for the tests.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildBenchBundles } from "../../bench/suite/bench-bundles.js";

describe("the benchmark suite's bundled app", () => {
  it("bundles dist/, its TCP-only twin leaves the HTTP stack out, and the cold-start floor holds msgpackr alone", async () => {
    const b = await buildBenchBundles(".build/test/bench-bundles");
    const standalone = readFileSync(b.sdkStandalone, "utf8");
    // esbuild names each input file in a comment above its code.
    expect(standalone).toContain("\n// dist/index-node.js\n");
    expect(standalone).toContain("\n// dist/node-http-stack.js\n");
    expect(standalone).not.toMatch(/\n\/\/ src\//);
    const tcpOnly = readFileSync(b.sdkStandaloneTcpOnly, "utf8");
    expect(tcpOnly).toContain("\n// dist/index-node.js\n");
    expect(tcpOnly).not.toContain("// dist/node-http-stack.js");
    expect(tcpOnly).toMatch(/import\("\.\/node-http-transport-[\w-]+\.js"\)/);
    // The cold-start floor: msgpackr's encoder and decoder files inlined, nothing of the SDK, no import left but Node's.
    const floor = readFileSync(b.coldStartFloor, "utf8");
    expect(floor).toContain("\n// node_modules/msgpackr/pack.js\n");
    expect(floor).toContain("\n// node_modules/msgpackr/unpack.js\n");
    expect(floor).not.toMatch(/\n\/\/ (dist|src)\//);
    expect([...floor.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1])).toEqual(["node:net"]);
  }, 60_000);
});
