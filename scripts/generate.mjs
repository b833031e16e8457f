#!/usr/bin/env node
// Regenerates src/gen from proto/ with buf and the locally installed
// protoc-gen-es (offline, pinned versions), or with --check verifies that the
// committed code is exactly what generation produces today.
//
// One step follows protoc-gen-es: each file descriptor it embeds as base64 for
// `fileDesc()` is rewritten into a plain object literal for our
// `fileDescFromLiteral()` (src/descriptor/), so bundles do not carry the
// reflection schema of descriptor.proto that decoding the base64 needs. Every
// rewrite is checked here to rebuild the identical descriptor; a file it cannot
// rebuild keeps `fileDesc()`.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { equals, toBinary } from "@bufbuild/protobuf";
import { embedFileDesc, fileDesc } from "@bufbuild/protobuf/codegenv2";
import { protoCamelCase } from "@bufbuild/protobuf/reflect";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = join(root, "node_modules", ".bin");
const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
const check = process.argv.includes("--check");

function generate(out) {
  const template = JSON.stringify({
    version: "v2",
    clean: true,
    plugins: [{ local: "protoc-gen-es", out, opt: ["target=ts", "import_extension=js"] }],
  });
  execFileSync(join(bin, "buf"), ["generate", "--template", template], { cwd: root, env, stdio: "inherit" });
  for (const f of list(resolve(root, out))) if (f.endsWith("_pb.ts")) rewriteFileDesc(resolve(root, out), f);
}

// The runtime half, bundled from source so the check below runs the very code
// the package ships.
const literalRuntime = await (async () => {
  const bundled = await build({
    entryPoints: [join(root, "src/descriptor/file-desc-from-literal.ts")],
    bundle: true,
    format: "esm",
    platform: "node",
    write: false,
    logLevel: "silent",
  });
  return import(`data:text/javascript;base64,${Buffer.from(bundled.outputFiles[0].text).toString("base64")}`);
})();

/** The set fields of a descriptor message, as plain data (JSON names protoc derives left out, as protoc-gen-es does). */
function literalOf(message) {
  const literal = {};
  for (const [key, value] of Object.entries(message)) {
    if (key === "$typeName" || (Array.isArray(value) && value.length === 0)) continue;
    if (key === "jsonName" && message.$typeName === "google.protobuf.FieldDescriptorProto" && value === protoCamelCase(message.name)) continue;
    literal[key] = Array.isArray(value)
      ? value.map((v) => (typeof v === "object" ? literalOf(v) : v))
      : typeof value === "object"
        ? literalOf(value)
        : value;
  }
  return literal;
}

function rewriteFileDesc(dir, file) {
  const path = join(dir, file);
  const source = readFileSync(path, "utf8");
  const call = /fileDesc\("([A-Za-z0-9+/]+)"\)/.exec(source);
  if (call === null) return; // a file importing others (fileDesc with a second argument) keeps it
  const original = fileDesc(call[1]);
  const literal = literalOf(original.proto);
  // Outside the proto3 subset fileDescFromLiteral() builds without the registry?
  const unsupported = literalRuntime.unsupportedLiteralPart(JSON.parse(JSON.stringify(literal)));
  if (unsupported !== undefined) {
    console.warn(`${file}: kept fileDesc(): fileDescFromLiteral() does not build ${unsupported}`);
    return;
  }
  const rebuilt = literalRuntime.fileDescFromLiteral(JSON.parse(JSON.stringify(literal)));
  const same =
    equals(FileDescriptorProtoSchema, original.proto, rebuilt.proto) &&
    Buffer.from(toBinary(FileDescriptorProtoSchema, original.proto)).equals(toBinary(FileDescriptorProtoSchema, rebuilt.proto)) &&
    embedFileDesc(rebuilt.proto).base64() === call[1];
  if (!same) {
    console.warn(`${file}: kept fileDesc(): its descriptor uses parts fileDescFromLiteral() does not rebuild`);
    return;
  }
  // Relative to where the file is committed (generation for --check writes elsewhere).
  const runtimePath = relative(dirname(join(root, "src/gen", file)), join(root, "src/descriptor/file-desc-from-literal.js"));
  const rewritten = source
    .replace(/import \{ ([^}]*)\bfileDesc, ([^}]*)\} from "@bufbuild\/protobuf\/codegenv2";/, (_, a, b) =>
      `import { ${a}${b}} from "@bufbuild/protobuf/codegenv2";\nimport { fileDescFromLiteral } from "${runtimePath.startsWith(".") ? runtimePath : `./${runtimePath}`}";`)
    .replace(call[0], `fileDescFromLiteral(${JSON.stringify(literal, null, 2).replaceAll("\n", "\n  ")})`);
  writeFileSync(path, rewritten);
}

function list(dir) {
  const files = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else files.push(relative(dir, p));
    }
  };
  walk(dir);
  return files.sort();
}

if (!check) {
  generate("src/gen");
  console.log(`generated ${list(join(root, "src/gen")).join(", ")}`);
} else {
  const tmp = mkdtempSync(join(tmpdir(), "syncvalue-gen-"));
  try {
    generate(tmp);
    const fresh = list(tmp);
    const committed = list(join(root, "src/gen"));
    const stale = [];
    for (const f of new Set([...fresh, ...committed])) {
      let a = null, b = null;
      try { a = readFileSync(join(tmp, f)); } catch {}
      try { b = readFileSync(join(root, "src/gen", f)); } catch {}
      if (a === null || b === null || !a.equals(b)) stale.push(f);
    }
    if (stale.length > 0) {
      console.error(`src/gen is stale: ${stale.join(", ")}. Run \`npm run generate\` and commit the result.`);
      process.exit(1);
    }
    console.log(`src/gen is current (${fresh.length} files)`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
