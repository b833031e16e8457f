// The one layer order and the placing of a user's layers, without a server:
// the stack composeLayers builds, traced call by call.
import type { Transport } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { composeLayers, type LayerSet } from "../../src/layers/compose-layers.js";
import type { Layer } from "../../src/layers/layer.js";
import { checkLayerInsertions } from "../../src/layers/layer-insertion.js";
import { layerPositions } from "../../src/layers/layer-positions.js";

/** A base transport that notes "base" and fails, so a call's path is the trace. */
function tracing(trace: string[]): Transport {
  const fail = () => Promise.reject(new ConnectError("base", Code.Unavailable));
  return {
    unary: () => (trace.push("base"), fail()),
    stream: () => (trace.push("base"), fail()),
  };
}
const named = (trace: string[], name: string): Layer => (next) => ({
  unary: (...args) => (trace.push(name), next.unary(...args)),
  stream: (...args) => (trace.push(name), next.stream(...args)),
});
const call = (t: Transport) => t.unary({} as never, undefined, undefined, undefined, {} as never).catch(() => {});

describe("composeLayers", () => {
  it("stacks every position in layerPositions order, outermost first, skipping absent layers", async () => {
    const trace: string[] = [];
    const layers: LayerSet = Object.fromEntries(layerPositions.filter((p) => p !== "hedging").map((p) => [p, named(trace, p)]));
    await call(composeLayers(tracing(trace), layers, []));
    expect(trace).toEqual([...layerPositions.filter((p) => p !== "hedging"), "base"]);
  });

  it("places insertions before and after their position, in the order given, also where the position's layer is absent", async () => {
    const trace: string[] = [];
    const t = composeLayers(tracing(trace), { cache: named(trace, "cache"), retry: named(trace, "retry") }, [
      { layer: named(trace, "after-cache-1"), after: "cache" },
      { layer: named(trace, "before-cache"), before: "cache" },
      { layer: named(trace, "after-cache-2"), after: "cache" },
      { layer: named(trace, "before-hedging"), before: "hedging" },
      { layer: named(trace, "top"), before: "validation" },
    ]);
    await call(t);
    expect(trace).toEqual(["top", "before-cache", "cache", "after-cache-1", "after-cache-2", "before-hedging", "retry", "base"]);
  });
});

describe("checkLayerInsertions", () => {
  it("accepts none, and a list of { layer, before } or { layer, after }", () => {
    const layer: Layer = (next) => next;
    expect(checkLayerInsertions(undefined)).toEqual([]);
    expect(checkLayerInsertions([{ layer, after: "retry" }, { layer, before: "validation" }])).toHaveLength(2);
  });

  it("names the bad field", () => {
    const layer: Layer = (next) => next;
    const messageOf = (v: unknown) => {
      try {
        checkLayerInsertions(v);
      } catch (e) {
        expect(ConnectError.from(e).code).toBe(Code.InvalidArgument);
        return ConnectError.from(e).rawMessage;
      }
      return "accepted";
    };
    expect(messageOf({})).toMatch(/^layers: must be an array/);
    expect(messageOf([{ layer, after: "retry" }, 3])).toMatch(/^layers\[1\]: /);
    expect(messageOf([{ layer: "no", after: "retry" }])).toMatch(/^layers\[0\]\.layer: /);
    expect(messageOf([{ layer, before: "Retry" }])).toMatch(/^layers\[0\]\.before: must name a layer position: validation, /);
    expect(messageOf([{ layer, after: "retry", before: "cache" }])).toMatch(/^layers\[0\]: needs exactly one/);
  });
});
