import { build as esbuild, type Plugin as EsbuildPlugin } from "esbuild";
import { existsSync, readFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { deflateRawSync } from "node:zlib";
import { defineConfig, type Plugin } from "tsup";

// Points the built chunks' `msgpackr/unpack` imports at msgpackr's no-eval build
// (msgpackr stays an external dependency; esbuild's `alias` and resolve hooks
// do not reach past tsup's external handling, so the output is rewritten).
const msgpackrNoEval: Plugin = {
  name: "msgpackr-no-eval",
  renderChunk(code) {
    return { code: code.replace(/(from\s*|import\s*\(\s*|require\s*\(\s*)(["'])msgpackr(?:\/unpack)?\2/g, "$1$2msgpackr/unpack-no-eval$2") };
  },
};

// A module's source text as the package ships it: deflated (raw) and in base64,
// which src/protocol/evaluate-module-text-node.ts (`inflateModuleText`) undoes.
// A third of the plain text's length, and without escapes: a one-file
// application's start-up scans a string literal character by character
// (docs/benchmarks.md, "Cold start").
const compressedText = (text: string) => deflateRawSync(Buffer.from(text), { level: 9 }).toString("base64");

// The source text of Node's HTTP stack (src/protocol/connect-http-stack-node.ts:
// connect-node, Connect's protocols, their own copy of @connectrpc/connect and
// @bufbuild/protobuf) bundled into one minified CommonJS module, supplied as
// the string `nodeHttpStackText` (src/protocol/node-http-stack-text-node.ts)
// to the stack's file, which runs it when loaded. As text, neither V8 (which
// would otherwise parse all of it at start-up) nor a bundler (which would hoist
// its imports of Node's HTTP modules to the top of a one-file ESM app) touches
// it before an http(s):// client needs it. Node's built-ins stay `require`
// calls, answered by evaluateModuleText.
const nodeHttpStackText: EsbuildPlugin = {
  name: "node-http-stack-text",
  setup(build) {
    build.onResolve({ filter: /\/node-http-stack-text-node\.js$/ }, (a) => ({ path: a.path, namespace: "node-http-stack-text" }));
    build.onLoad({ filter: /.*/, namespace: "node-http-stack-text" }, async () => {
      const stack = await esbuild({
        entryPoints: ["src/protocol/connect-http-stack-node.ts"],
        bundle: true,
        write: false,
        format: "cjs",
        platform: "node",
        target: "es2022",
        minify: true,
        logLevel: "warning",
      });
      return { contents: `export const nodeHttpStackText = ${JSON.stringify(compressedText(stack.outputFiles[0]!.text))};`, loader: "js" };
    });
  },
};

// The source text of Node's HTTP transport (src/node/node-http-transport.ts and
// the modules only it uses, with its own copy of the parts of Connect and
// protobuf they call) as one minified CommonJS module, supplied as the string
// `nodeHttpTransportText` (src/node/node-http-transport-text-node.ts) to
// node-http-transport-from-text-node.ts, which the Node entry's lazy import of
// the transport loads instead (nodeHttpTransportFromText). As for the stack
// above: as text, V8 only scans it at start-up in an application bundled into
// one file. The modules the transport shares with the core (those the Node
// entry reaches without the transport) stay the core's: the text requires them
// as `syncvalue:<path under src/>`, answered by the wrapper's table, which must
// list every one (checked here), and the HTTP stack as its own module.
const src = resolve("src");
const coreModuleIds = async (): Promise<Set<string>> => {
  const core = await esbuild({
    entryPoints: ["src/index-node.ts"],
    bundle: true,
    write: false,
    metafile: true,
    format: "esm",
    platform: "node",
    packages: "external",
    logLevel: "warning",
    outdir: "/nonexistent",
    plugins: [
      {
        name: "without-http-transport",
        setup(b) {
          b.onResolve({ filter: /\/node-http-transport\.js$/ }, (a) => (a.kind === "dynamic-import" ? { path: a.path, external: true } : undefined));
        },
      },
    ],
  });
  return new Set(Object.keys(core.metafile.inputs).map((f) => resolve(f)));
};
const nodeHttpTransportText: EsbuildPlugin = {
  name: "node-http-transport-text",
  setup(build) {
    build.onResolve({ filter: /\/node-http-transport-text-node\.js$/ }, (a) => ({ path: a.path, namespace: "node-http-transport-text" }));
    build.onLoad({ filter: /.*/, namespace: "node-http-transport-text" }, async () => {
      const core = await coreModuleIds();
      const coreModulesShared: EsbuildPlugin = {
        name: "core-modules-shared",
        setup(b) {
          b.onResolve({ filter: /^\.\.?\// }, (a) => {
            const file = resolve(a.resolveDir, a.path).replace(/\.js$/, ".ts");
            if (!core.has(file) && !file.endsWith("/protocol/connect-http-stack-node.ts")) return undefined;
            return { path: `syncvalue:${relative(src, file).replace(/\.ts$/, "")}`, external: true };
          });
        },
      };
      const text = (minify: boolean) =>
        esbuild({
          entryPoints: ["src/node/node-http-transport.ts"],
          bundle: true,
          write: false,
          format: "cjs",
          platform: "node",
          target: "es2022",
          minify,
          logLevel: "warning",
          packages: "external",
          plugins: [coreModulesShared],
        }).then((r) => r.outputFiles[0]!.text);
      // The unminified twin names each required module's variable `import_<name>`: what the text reads of it.
      const [minified, readable] = await Promise.all([text(true), text(false)]);
      const wrapper = ["src/node/http-transport-core-modules-node.ts", "src/node/node-http-transport-from-text-node.ts"].map((f) => readFileSync(f, "utf8")).join("\n");
      // Each entry: "<id>": { name, ... } (those exports), or "<id>": namespace (all of them).
      const passed = new Map([...wrapper.matchAll(/^ +"([^"]+)":\s*(\{[^}]*\}|\w+),$/gm)].map((m) => [m[1]!, m[2]!]));
      const problems: string[] = [];
      const required = new Set<string>();
      for (const [, variable, id] of readable.matchAll(/var (import_\w+) = (?:__toESM\()?require\("([^"]+)"\)/g)) {
        if (isBuiltin(id!)) continue;
        required.add(id!);
        const given = passed.get(id!);
        if (given === undefined) problems.push(`${id} is not passed`);
        else if (given.startsWith("{")) {
          const names = new Set(given.slice(1, -1).split(",").map((n) => n.trim()));
          for (const [, name] of readable.matchAll(new RegExp(`\\b${variable}\\.(\\w+)`, "g"))) {
            if (!names.has(name!)) problems.push(`${id}'s ${name} is not passed`);
          }
        }
      }
      for (const id of passed.keys()) if (!required.has(id)) problems.push(`${id} is passed, but the text does not require it`);
      if (problems.length > 0) throw new Error(`the modules passed to the HTTP transport's text (src/node/http-transport-core-modules-node.ts): ${[...new Set(problems)].join("; ")}`);
      return { contents: `export const nodeHttpTransportText = ${JSON.stringify(compressedText(minified))};`, loader: "js" };
    });
  },
};
// The Node entry's lazy import of its HTTP transport (src/node/node-platform.ts)
// loads the transport from its text (above) in the package build.
const nodeHttpTransportFromText: EsbuildPlugin = {
  name: "node-http-transport-from-text",
  setup(build) {
    build.onResolve({ filter: /^\.\/node-http-transport\.js$/ }, (a) =>
      a.kind === "dynamic-import" ? { path: resolve(a.resolveDir, "node-http-transport-from-text-node.ts") } : undefined,
    );
  },
};

// The Node entry's imports of the HTTP stack's third-party code
// (src/protocol/connect-http-stack-node.ts) point at its self-contained build
// (the "Node HTTP stack" block below) instead of inlining it; the CommonJS
// chunks (converted from ESM by tsup) at its .cjs twin. The path is relative to
// dist/'s root, where esbuild puts every shared and lazily loaded chunk: only
// the client's lazily loaded HTTP transport imports the stack (an entry in a
// folder, such as server/index, must not).
const nodeHttpStackImport: EsbuildPlugin = {
  name: "node-http-stack-import",
  setup(build) {
    build.onResolve({ filter: /\/connect-http-stack-node\.js$/ }, () => ({ path: "./node-http-stack.js", external: true }));
  },
};
const nodeHttpStackCjs: Plugin = {
  name: "node-http-stack-cjs",
  renderChunk(code) {
    if (this.format !== "cjs") return;
    return { code: code.replace(/(["'])\.\/node-http-stack\.js\1/g, "$1./node-http-stack.cjs$1") };
  },
};

// msgpackr's decoder, inlined into the Node build from its own file (unpack.js).
// Under Node's import condition msgpackr's "./unpack" export is its index.js,
// which also loads the encoder (pack.js, whose module-level `new Packr()`
// compiles a thousand-line constructor) and its iterators: about 15 ms of an
// installed package's cold start, 3 ms of a one-file bundle's, for code the
// SDK never runs (it encodes with its own writer, src/tcp/msgpack-writer.ts).
// msgpackr stays a dependency: the edge and runtime builds import its no-eval
// decoder (msgpackrNoEval).
const msgpackrDecoderOnly: EsbuildPlugin = {
  name: "msgpackr-decoder-only",
  setup(build) {
    // Node's lookup of node_modules folders, up from the importer (msgpackr's "exports" do not reach the file).
    build.onResolve({ filter: /^msgpackr\/unpack$/ }, (a) => {
      for (let dir = a.resolveDir; ; dir = dirname(dir)) {
        const file = join(dir, "node_modules/msgpackr/unpack.js");
        if (existsSync(file)) return { path: file };
        if (dirname(dir) === dir) return { errors: [{ text: "msgpackr/unpack.js not found in any node_modules folder" }] };
      }
    });
  },
};

// One build for the package. Entries map onto package.json "exports":
// - index: the edge-safe core (fetch-based Connect), for edge-light, browsers
//   and anything unnamed (second block)
// - index-node: the same API with Node transports (connect-node HTTP/2, node:net)
// - server/index: the reference server (Node only)
// - bid/index: pure bid helpers, no I/O
// - otel/index: OpenTelemetry for clients (`syncvalue/otel`), edge-safe; its
//   peer @opentelemetry/api stays external, loaded only by this entry
// - fleet/index: the fleet budget ledger on Redis (its own entry: never in the
//   core or bid bundles; Redis clients are optional peer dependencies)
// - cli/syncvalue-cli: `npx syncvalue serve`
// - index-bun, index-deno, index-workerd: the runtimes' own builds
// The edge core and the runtime builds come from the second and third blocks.
// Each block's `name` prefixes its lines in `npm run build` (scripts/build.mjs).
export default defineConfig([
  {
    name: "node, server, bid, cli",
    entry: {
      "index-node": "src/index-node.ts",
      "server/index": "src/server/index.ts",
      "bid/index": "src/bid/index.ts",
      "otel/index": "src/otel/index.ts",
      "fleet/index": "src/fleet/index.ts",
      "cli/syncvalue-cli": "src/cli/syncvalue-cli.ts",
    },
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: true,
    // No `clean`: tsup's clean also deletes every .d.ts/.d.cts in dist/ when this
    // block's declarations start building, which races the other blocks'
    // declarations (dist/index.d.cts went missing). scripts/build.mjs empties
    // dist/ once, before any block runs.
    target: "es2022",
    splitting: true,
    treeshake: true,
    // Connect's and protobuf's core inlined, tree-shaken: an installed package
    // would otherwise load both packages' every file at import (Node cannot
    // tree-shake), @bufbuild/protobuf's index decoding descriptor.proto for
    // well-known types the core never uses. connect-node stays external (the
    // server's); the client's HTTP stack is its own file (below). msgpackr's
    // decoder inlined too, without its encoder (msgpackrDecoderOnly).
    noExternal: [/^@connectrpc\/connect(\/.*)?$/, /^@bufbuild\/protobuf(\/.*)?$/, /^msgpackr\/unpack$/],
    esbuildPlugins: [nodeHttpStackImport, msgpackrDecoderOnly, nodeHttpTransportFromText, nodeHttpTransportText],
    plugins: [nodeHttpStackCjs],
  },
  {
    // Node's HTTP stack (connect-node, Connect's protocols, with their own copy
    // of @connectrpc/connect and @bufbuild/protobuf) as one file that the Node
    // entry loads only for http(s):// endpoints (src/protocol/connect-http-stack-node.ts
    // says why), holding the stack's minified source as text that it runs when
    // loaded (nodeHttpStackText above). Not inlined into the block above instead:
    // code splitting would put protobuf's well-known types in a chunk the core
    // imports (its index reaches them), decoded at start-up. Errors cross the
    // copies as ConnectErrors (ConnectError's Symbol.hasInstance is
    // structural), messages and descriptors are plain objects. Nothing of it is
    // public: no declarations.
    name: "node HTTP stack",
    entry: { "node-http-stack": "src/protocol/node-http-stack-from-text-node.ts" },
    format: ["esm", "cjs"],
    platform: "node",
    sourcemap: true,
    target: "es2022",
    esbuildPlugins: [nodeHttpStackText],
  },
  {
    // Every runtime other than Node loads these ESM modules, one file per
    // source module (not bundled): an edge bundler then drops whole modules
    // the function does not use (package.json "sideEffects": false), which a
    // shared chunk would defeat. msgpackr is swapped for its no-eval build
    // (edge runtimes forbid code generation; Bun and Deno need no native
    // addon). No `clean` here: scripts/build.mjs empties dist/.
    name: "edge core and runtime builds",
    entry: [
      "src/**/*.ts",
      "!src/**/*.d.ts",
      "!src/bid/**",
      "!src/otel/**",
      "!src/fleet/**",
      "!src/cli/**",
      "!src/node/**",
      "!src/server/**",
      "!src/**/*-node.ts",
      "!src/index-node.ts",
    ],
    bundle: false,
    format: ["esm"],
    dts: {
      entry: {
        index: "src/index.ts",
        "index-bun": "src/index-bun.ts",
        "index-deno": "src/index-deno.ts",
        "index-workerd": "src/index-workerd.ts",
      },
    },
    sourcemap: true,
    target: "es2022",
    plugins: [msgpackrNoEval],
  },
  {
    // `require("syncvalue")` outside Node: the edge core as one CommonJS file.
    name: "edge core, CommonJS",
    entry: { index: "src/index.ts" },
    format: ["cjs"],
    dts: true,
    sourcemap: true,
    target: "es2022",
    plugins: [msgpackrNoEval],
  },
  {
    // Examples run against the built package, as a user's code would:
    // `syncvalue` resolves to dist/ through package.json "exports".
    name: "examples",
    entry: [
      "examples/demo.ts",
      "examples/aws-lambda-handler.ts",
      "examples/cloudflare-worker.ts",
      "examples/vercel-edge-function.ts",
      "examples/node-bidder-service.ts",
      "examples/bid-only-embed.ts",
    ],
    outDir: ".build/examples",
    format: ["esm"],
    sourcemap: true,
    clean: true,
    target: "es2022",
    external: [/^syncvalue(\/.*)?$/],
  },
]);
