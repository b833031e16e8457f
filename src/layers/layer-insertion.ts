import { invalidArgument } from "../validation/invalid-argument.js";
import type { Layer } from "./layer.js";
import { layerPositions, type LayerPosition } from "./layer-positions.js";

/**
 * A layer of your own and where it goes in the client's stack: directly
 * `before` (outside, nearer the caller) or directly `after` (inside, nearer
 * the wire) a named position of {@link layerPositions}; exactly one of the
 * two. Layers given for the same place keep their order, the first outermost.
 * A position keeps its place when its layer is off or absent (e.g. `retry` on
 * `createPredictionClient`), so an insertion means the same on both clients.
 * A layer is built once per service (prediction, storage).
 *
 * @example
 * ```ts
 * // Sees every call that the cache does not answer.
 * const layers: LayerInsertion[] = [{ layer: countCalls, after: "cache" }];
 * ```
 *
 * @public
 */
export interface LayerInsertion {
  /** The layer: a function from the next transport to a transport. */
  layer: Layer;
  /** Put the layer directly outside this position. */
  before?: LayerPosition;
  /** Put the layer directly inside this position. */
  after?: LayerPosition;
}

/**
 * Checks the `layers` option: an array of {@link LayerInsertion}, each with a
 * `layer` function and exactly one known `before` or `after` position;
 * `InvalidArgument` naming the field otherwise.
 */
export function checkLayerInsertions(layers: unknown): readonly LayerInsertion[] {
  if (layers === undefined) return [];
  if (!Array.isArray(layers)) throw invalidArgument("layers", "must be an array of { layer, before } or { layer, after }");
  layers.forEach((insertion: unknown, i) => {
    const at = `layers[${i}]`;
    if (insertion === null || typeof insertion !== "object") throw invalidArgument(at, "must be { layer, before } or { layer, after }");
    const { layer, before, after, ...rest } = insertion as Record<string, unknown>;
    if (typeof layer !== "function") throw invalidArgument(`${at}.layer`, "must be a function (next: Transport) => Transport");
    if ((before === undefined) === (after === undefined)) throw invalidArgument(at, "needs exactly one of before or after");
    const key = before === undefined ? "after" : "before";
    if (!layerPositions.includes((before ?? after) as LayerPosition)) throw invalidArgument(`${at}.${key}`, `must name a layer position: ${layerPositions.join(", ")}`);
    for (const name in rest) throw invalidArgument(`${at}.${name}`, "is not an option (layer, before, after)");
  });
  return layers as readonly LayerInsertion[];
}
