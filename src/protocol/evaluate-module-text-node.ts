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
 * Runs `text`, the source of a self-contained CommonJS module that requires
 * nothing but Node's built-in modules, and returns its exports. The package
 * build ships Node's HTTP stack this way (tsup.config.ts, "Node HTTP stack"):
 * as a string, V8 scans it at start-up instead of parsing it, which in an
 * application bundled into one file saves a tcp:// client most of what that
 * code cost it (docs/benchmarks.md, "Cold start"). Compiled with
 * `vm.compileFunction`, which Node's `--disallow-code-generation-from-strings`
 * does not forbid (it does `eval` and `new Function`); `filename` names the
 * code in stack traces.
 */
export function evaluateModuleText(text: string, filename: string): Record<string, unknown> {
  const { compileFunction } = builtinModule("node:vm") as typeof import("node:vm");
  const module = { exports: {} as Record<string, unknown> };
  compileFunction(text, ["exports", "require", "module"], { filename }).call(module.exports, module.exports, builtinModule, module);
  return module.exports;
}
