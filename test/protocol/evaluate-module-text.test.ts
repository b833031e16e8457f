import { join } from "node:path";
import { deflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { evaluateModuleText, inflateModuleText } from "../../src/protocol/evaluate-module-text-node.js";

// The runner of the package's HTTP stack and transport texts
// (dist/node-http-stack.js, dist/node-http-transport-from-text-node-*.js): a
// CommonJS module's source, with Node's built-in modules and the modules it is
// given, shipped deflated in base64.
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

  it("answers the given modules first, the very same objects, and Node's built-ins after them", () => {
    const shared = { count: 0 };
    const exports = evaluateModuleText(
      `const core = require("syncvalue:core"); core.count++; exports.core = core; exports.path = require("node:path").join("a", "b");`,
      "test-module.cjs",
      { "syncvalue:core": shared },
    );
    expect(exports.core).toBe(shared);
    expect(shared.count).toBe(1);
    expect(exports.path).toBe(join("a", "b"));
    expect(() => evaluateModuleText(`require("syncvalue:other");`, "test-module.cjs", { "syncvalue:core": shared })).toThrow(
      /"syncvalue:other".*not one of Node's built-in modules/,
    );
  });

  it("inflates the text as the package build ships it (deflated, base64)", () => {
    const text = `exports.answer = 42; // ${"x".repeat(1000)} "quotes" and \\ backslashes, ünïcödé`;
    const shipped = deflateRawSync(Buffer.from(text)).toString("base64");
    expect(shipped.length).toBeLessThan(text.length / 2);
    expect(inflateModuleText(shipped)).toBe(text);
    expect(evaluateModuleText(inflateModuleText(shipped), "test-module.cjs")).toEqual({ answer: 42 });
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
