import type { MessageInitShape } from "@bufbuild/protobuf";
import { PLATFORMS, type LTVPredictionRequestSchema } from "syncvalue";
import { createSeededRandom } from "syncvalue/bid";


const NOW_MS = Date.UTC(2026, 10, 22, 12);
const DAY_MS = 86_400_000;

export type SyntheticRequest = MessageInitShape<typeof LTVPredictionRequestSchema> & {
  requestId: string;
  customerId: string;
  platform: string;
};

/**
 * `count` customers with event histories of views, clicks, carts and
 * purchases over the last 180 days, spread over the seven platforms; some have
 * no history at all (the model answers INSUFFICIENT_DATA with a prior).
 */
export function syntheticCustomers(count: number, seed: number): SyntheticRequest[] {
  const seeded = createSeededRandom(seed);
  const random = () => seeded.next();
  const out: SyntheticRequest[] = [];
  for (let i = 0; i < count; i++) {
    const platform = PLATFORMS[Math.floor(random() * PLATFORMS.length)]!;
    const events = Math.floor(random() ** 2 * 24);
    const eventHistory = [];
    for (let e = 0; e < events; e++) {
      const r = random();
      const eventType = r < 0.5 ? "view" : r < 0.75 ? "click" : r < 0.88 ? "add_to_cart" : "purchase";
      eventHistory.push({
        timestampMs: BigInt(NOW_MS - Math.floor(random() * 180 * DAY_MS)),
        eventType,
        eventValue: eventType === "purchase" ? Math.round(Math.exp(3 + random() * 1.5) * 100) / 100 : 0,
        source: platform,
      });
    }
    out.push({
      requestId: `demo-${i}`,
      timestampMs: BigInt(NOW_MS),
      customerId: `cust-${(i * 2654435761) >>> 0}`,
      platform,
      eventHistory,
      currentCac: Math.round(random() * 4000) / 100,
      campaignId: `camp-${i % 12}`,
      adGroupId: `ag-${i % 40}`,
    });
  }
  return out;
}
