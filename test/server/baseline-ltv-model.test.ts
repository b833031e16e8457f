import { describe, expect, it } from "vitest";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import {
  LTVPredictionRequestSchema,
  PredictionStatus,
  type LTVPredictionRequest,
} from "../../src/gen/syncvalue/v1/syncvalue_pb.js";
import {
  BASELINE_MODEL_VERSION,
  BASELINE_PLATFORM_MULTIPLIERS,
  predictBaselineLtv,
} from "../../src/model/baseline-ltv-model.js";
import { PLATFORMS, toPlatform } from "../../src/model/platforms.js";

const DAY = 86_400_000n;
const NOW = 1_700_000_000_000n;

function request(init: MessageInitShape<typeof LTVPredictionRequestSchema>): LTVPredictionRequest {
  return create(LTVPredictionRequestSchema, { customerId: "c", platform: "google_ads", ...init });
}

/** `n` purchases of `value`, one every `everyDays` days, the newest `ageDays` before NOW. */
function purchases(n: number, value: number, everyDays = 10, ageDays = 0) {
  return Array.from({ length: n }, (_, i) => ({
    timestampMs: NOW - BigInt(ageDays + i * everyDays) * DAY,
    eventType: "purchase",
    eventValue: value,
  }));
}

describe("predictBaselineLtv", () => {
  it("is deterministic and measures recency against the request, never the wall clock", () => {
    const req = request({ requestId: "r", timestampMs: NOW, eventHistory: purchases(4, 80) });
    expect(predictBaselineLtv(req)).toEqual(predictBaselineLtv(req));
    // Shifting every timestamp by the same amount changes nothing.
    const shift = 1000n * DAY;
    const shifted = request({
      timestampMs: NOW + shift,
      eventHistory: purchases(4, 80).map((e) => ({ ...e, timestampMs: e.timestampMs + shift })),
    });
    expect(predictBaselineLtv(shifted).predictedLtv).toBeCloseTo(predictBaselineLtv(req).predictedLtv, 9);
  });

  it("uses the newest event as the reference time when timestamp_ms is 0", () => {
    const history = [...purchases(3, 40, 20, 5), { timestampMs: NOW, eventType: "view", eventValue: 0 }];
    const implicit = predictBaselineLtv(request({ timestampMs: 0n, eventHistory: history }));
    const explicit = predictBaselineLtv(request({ timestampMs: NOW, eventHistory: history }));
    expect(implicit).toEqual(explicit);
  });

  it("grows confidence with every event added to the history", () => {
    const history = [
      ...purchases(3, 50),
      { timestampMs: NOW - DAY, eventType: "click", eventValue: 0 },
      { timestampMs: NOW - 2n * DAY, eventType: "add_to_cart", eventValue: 0 },
      ...purchases(3, 70, 7, 40),
    ];
    let previous = -1;
    for (let n = 0; n <= history.length; n++) {
      const res = predictBaselineLtv(request({ timestampMs: NOW, eventHistory: history.slice(0, n) }));
      expect(res.confidence).toBeGreaterThan(previous);
      expect(res.confidence).toBeGreaterThan(0);
      expect(res.confidence).toBeLessThan(1);
      previous = res.confidence;
    }
  });

  it("brackets the estimate with a log-normal 95% interval that narrows with purchases", () => {
    let previousWidth = Infinity;
    for (const n of [0, 1, 2, 5, 10, 40]) {
      const res = predictBaselineLtv(request({ timestampMs: NOW, eventHistory: purchases(n, 60) }));
      expect(res.ltvLowerBound).toBeGreaterThan(0);
      expect(res.ltvLowerBound).toBeLessThanOrEqual(res.predictedLtv);
      expect(res.predictedLtv).toBeLessThanOrEqual(res.ltvUpperBound);
      // The estimate is the median of a log-normal: the geometric mean of its symmetric bounds.
      expect(Math.sqrt(res.ltvLowerBound * res.ltvUpperBound)).toBeCloseTo(res.predictedLtv, 6);
      const width = Math.log(res.ltvUpperBound / res.ltvLowerBound);
      expect(width).toBeLessThan(previousWidth);
      previousWidth = width;
    }
  });

  it("widens the interval when purchase values vary more", () => {
    const steady = purchases(6, 100);
    const erratic = steady.map((e, i) => ({ ...e, eventValue: i % 2 === 0 ? 10 : 190 }));
    const a = predictBaselineLtv(request({ timestampMs: NOW, eventHistory: steady }));
    const b = predictBaselineLtv(request({ timestampMs: NOW, eventHistory: erratic }));
    expect(b.ltvUpperBound / b.ltvLowerBound).toBeGreaterThan(a.ltvUpperBound / a.ltvLowerBound);
  });

  it("answers INSUFFICIENT_DATA with the documented prior for an empty history", () => {
    const res = predictBaselineLtv(request({ requestId: "empty", platform: "linkedin" }));
    expect(res.status).toBe(PredictionStatus.INSUFFICIENT_DATA);
    expect(res.requestId).toBe("empty");
    // Documented prior: 50 per order, one order per 180 days, over 365 days, times the multiplier.
    expect(res.predictedLtv).toBeCloseTo(((50 * 365) / 180) * BASELINE_PLATFORM_MULTIPLIERS.linkedin, 9);
    expect(res.ltvLowerBound).toBeLessThan(res.predictedLtv);
    expect(res.ltvUpperBound).toBeGreaterThan(res.predictedLtv);
    const withOne = predictBaselineLtv(request({ timestampMs: NOW, eventHistory: purchases(1, 50) }));
    expect(withOne.status).toBe(PredictionStatus.SUCCESS);
    expect(res.confidence).toBeLessThan(withOne.confidence);
  });

  it("applies the platform multipliers, case-insensitively, and 1.0 for an unknown platform", () => {
    const history = purchases(5, 90);
    const ltv = (platform: string) => predictBaselineLtv(request({ platform, timestampMs: NOW, eventHistory: history })).predictedLtv;
    const base = ltv("google_ads");
    const values = new Set(PLATFORMS.map((p) => ltv(p)));
    expect(values.size).toBe(PLATFORMS.length);
    for (const p of PLATFORMS) {
      expect(ltv(p) / base).toBeCloseTo(BASELINE_PLATFORM_MULTIPLIERS[p] / BASELINE_PLATFORM_MULTIPLIERS.google_ads, 9);
    }
    expect(ltv("TikTok")).toBe(ltv("tiktok"));
    expect(ltv("myspace")).toBe(base); // google_ads is 1.0
  });

  it("rewards frequency and monetary value and penalises recency", () => {
    const ltv = (history: ReturnType<typeof purchases>) =>
      predictBaselineLtv(request({ timestampMs: NOW, eventHistory: history })).predictedLtv;
    expect(ltv(purchases(8, 50))).toBeGreaterThan(ltv(purchases(4, 50)));
    expect(ltv(purchases(4, 120))).toBeGreaterThan(ltv(purchases(4, 50)));
    expect(ltv(purchases(4, 50, 10, 200))).toBeLessThan(ltv(purchases(4, 50, 10, 0)));
  });

  it("ignores non-purchase values and survives non-finite or negative purchase values", () => {
    const base = purchases(3, 30);
    const noisy = [...base, { timestampMs: NOW - DAY, eventType: "view", eventValue: 1e9 }];
    const a = predictBaselineLtv(request({ timestampMs: NOW, eventHistory: base }));
    const b = predictBaselineLtv(request({ timestampMs: NOW, eventHistory: noisy }));
    expect(b.predictedLtv).toBe(a.predictedLtv);
    const broken = predictBaselineLtv(
      request({
        timestampMs: NOW,
        eventHistory: [
          { timestampMs: NOW, eventType: "PURCHASE", eventValue: Number.NaN },
          { timestampMs: NOW, eventType: "purchase", eventValue: -20 },
        ],
      }),
    );
    for (const x of [broken.predictedLtv, broken.ltvLowerBound, broken.ltvUpperBound, broken.confidence]) {
      expect(Number.isFinite(x)).toBe(true);
    }
  });

  it("fills top features, model version, and leaves timing to the server", () => {
    const res = predictBaselineLtv(request({ requestId: "f", timestampMs: NOW, platform: "amazon", eventHistory: purchases(5, 75, 10, 30) }));
    expect(res.modelVersion).toBe(BASELINE_MODEL_VERSION);
    expect(res.inferenceTimeUs).toBe(0n);
    expect(res.topFeatures.map((f) => f.name).sort()).toEqual(["frequency", "monetary", "platform_multiplier", "recency_days"]);
    const importances = res.topFeatures.map((f) => f.importance);
    expect(importances.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    expect([...importances].sort((a, b) => b - a)).toEqual(importances);
    const byName = Object.fromEntries(res.topFeatures.map((f) => [f.name, f.value]));
    expect(byName).toMatchObject({ frequency: 5, monetary: 75, recency_days: 30, platform_multiplier: BASELINE_PLATFORM_MULTIPLIERS.amazon });
  });
});

describe("toPlatform", () => {
  it("knows the seven platforms, case-insensitively", () => {
    expect(PLATFORMS).toHaveLength(7);
    expect(toPlatform("Google_Ads")).toBe("google_ads");
    expect(toPlatform("X")).toBe("x");
    expect(toPlatform("")).toBeUndefined();
    expect(toPlatform("facebook")).toBeUndefined();
  });
});
