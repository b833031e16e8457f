import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { evaluateModuleText } from "../../src/protocol/evaluate-module-text-node.js";

// The runner of the package's HTTP stack text (dist/node-http-stack.js): a
// CommonJS module's source, with Node's built-in modules and nothing else.
describe("evaluateModuleText", () => {
  it("runs CommonJS source text and returns its exports, Node's built-ins required by name, with or without node:", () => {
    const exports = evaluateModuleText(
      `const { join } = require("node:path"); const os = require("os");
       exports.joined = join("a", "b"); module.exports.platform = os.platform(); exports.self = this === exports;`,
      "test-module.cjs",
    );
    expect(exports).toEqual({ joined: join("a", "b"), platform: process.platform, self: true });
  });

  it("refuses a module that is not one of Node's built-ins, naming it", () => {
    expect(() => evaluateModuleText(`require("lru-cache");`, "test-module.cjs")).toThrow(/"lru-cache".*not one of Node's built-in modules/);
  });

  it("names the text in stack traces", () => {
    const e = (() => {
      try {
        evaluateModuleText(`\nthrow new Error("from the text");`, "named-text.cjs");
      } catch (e) {
        return e as Error;
      }
    })();
    expect(e?.message).toBe("from the text");
    expect(e?.stack).toContain("named-text.cjs:2");
  });
});
