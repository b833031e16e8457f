#!/usr/bin/env node
// Regenerates src/gen from proto/ with buf and the locally installed
// protoc-gen-es (offline, pinned versions), or with --check verifies that the
// committed code is exactly what generation produces today.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

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
