import { createRequire, isBuiltin } from "node:module";

/**
 * Node's built-in module `id`: `process.getBuiltinModule` (Node 20.16+), or
 * `require` before it (any absolute path resolves built-ins; `import.meta.url`
 * is empty in an application bundled to CommonJS).
 */
function builtinModule(id: string): unknown {
  if (!isBuiltin(id)) throw new Error(`module text requires "${id}", which is not one of Node's built-in modules`);
  return process.getBuiltinModule?.(id) ?? createRequire(process.execPath)(id);
}

/**
 * Runs `text`, the source of a self-contained CommonJS module, and returns its
 * exports. Its `require` answers Node's built-in modules and, first, the ids
 * in `modules` (by default none): the package build ships Node's HTTP stack
 * and HTTP transport this way (tsup.config.ts), the transport requiring the
 * core's own modules through `modules`, so both share one instance of each.
 * As a string, V8 scans the code at start-up instead of parsing it, which in
 * an application bundled into one file saves a tcp:// client most of what
 * that code cost it (docs/benchmarks.md, "Cold start"). Compiled with
 * `vm.compileFunction`, which Node's `--disallow-code-generation-from-strings`
 * does not forbid (it does `eval` and `new Function`); `filename` names the
 * code in stack traces.
 */
export function evaluateModuleText(text: string, filename: string, modules: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  const { compileFunction } = builtinModule("node:vm") as typeof import("node:vm");
  const module = { exports: {} as Record<string, unknown> };
  const require = (id: string) => (Object.hasOwn(modules, id) ? modules[id] : builtinModule(id));
  compileFunction(text, ["exports", "require", "module"], { filename }).call(module.exports, module.exports, require, module);
  return module.exports;
}

/**
 * The module source text the package build ships (tsup.config.ts,
 * `compressedText`): `base64` is the text deflated (raw) and encoded in
 * base64. A third of the plain text's length and without escapes, so a
 * one-file application's start-up scans less (docs/benchmarks.md, "Cold
 * start"); inflating it (about 2 ms of CPU for the HTTP stack's, zlib's first use
 * included) is part of loading that module, outside any call's deadline.
 */
export function inflateModuleText(base64: string): string {
  const { inflateRawSync } = builtinModule("node:zlib") as typeof import("node:zlib");
  return inflateRawSync(Buffer.from(base64, "base64")).toString("utf8");
}
