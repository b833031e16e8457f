import type { Transport } from "@connectrpc/connect";
import { foreignLayer } from "./foreign-layer.js";
import type { Layer } from "./layer.js";
import type { LayerInsertion } from "./layer-insertion.js";
import { layerPositions, type LayerPosition } from "./layer-positions.js";

/** The layers a client factory has, by position; an absent one (off, or not in this client) is skipped. */
export type LayerSet = { readonly [P in LayerPosition]?: Layer | undefined };

/**
 * Stacks `layers` and the user's `insertions` around `base` in the order of
 * {@link layerPositions}: built from the wire outwards, so each layer is made
 * over the one below it, and the outermost is returned. The user's layers are
 * wrapped as {@link foreignLayer}s.
 */
export function composeLayers(base: Transport, layers: LayerSet, insertions: readonly LayerInsertion[]): Transport {
  let t = base;
  for (let p = layerPositions.length - 1; p >= 0; p--) {
    const position = layerPositions[p]!;
    t = insert(t, insertions, "after", position);
    const layer = layers[position];
    if (layer) t = layer(t);
    t = insert(t, insertions, "before", position);
  }
  return t;
}

// Wraps in reverse, so the insertions given first end up outermost.
function insert(t: Transport, insertions: readonly LayerInsertion[], side: "before" | "after", position: LayerPosition): Transport {
  for (let i = insertions.length - 1; i >= 0; i--) {
    const insertion = insertions[i]!;
    if (insertion[side] === position) t = foreignLayer(insertion.layer)(t);
  }
  return t;
}
