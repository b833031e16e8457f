import { defineConfig } from "tsup";

// One build for the package. Entries map onto package.json "exports":
// - index: the edge-safe core (fetch-based Connect, TCP over runtime sockets)
// - index-node: the same API with Node transports (connect-node HTTP/2, node:net)
// - server/index: the reference server (Node only)
// - bid/index: pure bid helpers, no I/O
// - cli/syncvalue-cli: `npx syncvalue serve`
export default defineConfig([
  {
    entry: {
      index: "src/index.ts",
      "index-node": "src/index-node.ts",
      "server/index": "src/server/index.ts",
      "bid/index": "src/bid/index.ts",
      "cli/syncvalue-cli": "src/cli/syncvalue-cli.ts",
    },
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: true,
    clean: true,
    target: "es2022",
    splitting: true,
    treeshake: true,
  },
  {
    // Examples run against the built package, as a user's code would:
    // `syncvalue` resolves to dist/ through package.json "exports".
    entry: ["examples/demo.ts"],
    outDir: ".build/examples",
    format: ["esm"],
    sourcemap: true,
    clean: true,
    target: "es2022",
    external: [/^syncvalue(\/.*)?$/],
  },
]);
