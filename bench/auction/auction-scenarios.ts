/** What a scenario changes about the generated day. */
export interface Scenario {
  /** Short id used in tables. */
  id: string;
  /** One line for the report. */
  description: string;
  /** Hours [from, to) during which arrivals are multiplied by `factor` (below 1 a dip, above 1 a surge). */
  supplyDip?: { from: number; to: number; factor: number };
  /** From this hour on, competing bids and floors are multiplied by `factor` (on top of `priceFactor`). */
  priceJump?: { fromHour: number; factor: number };
  /**
   * Elasticity of competing bids to the impression's true value (p x LTV)
   * instead of the base model's 0.35 to LTV alone: 1 means competitors bid in
   * proportion to what the impression is worth. Default: the base model.
   */
  competitorValueElasticity?: number;
  /** Hour at which the bidder is created (a new instance mid-day); auctions before it are not offered. Default 0. */
  startHour?: number;
  /** The default bidder starts without yesterday's state (a new Lambda instance or Worker isolate). Default false. */
  coldStart?: boolean;
  /** Multiplier on market prices (competing bids and floors). Default 1. */
  priceFactor?: number;
  /** Multiplier on predicted LTV and its bounds (the truth is unchanged). Default 1. */
  predictionBias?: number;
  /** Budget as a share of the cost of every impression worth its price. Default 0.25. */
  budgetShare?: number;
  /** Share of first-price auctions. Default 0.3. */
  firstPriceShare?: number;
}

/** The scenarios of the issue, in report order. */
export const scenarios: readonly Scenario[] = [
  { id: "stationary", description: "the base day" },
  {
    id: "supply-halved",
    description: "arrivals halved from 14:00 to 17:00",
    supplyDip: { from: 14, to: 17, factor: 0.5 },
  },
  { id: "prices-up-50", description: "competing bids and floors x1.5 all day", priceFactor: 1.5 },
  { id: "predictions-biased", description: "predicted LTV and bounds x1.3 (truth unchanged)", predictionBias: 1.3 },
  { id: "small-budget", description: "budget a fifth of the base (5% of worthwhile cost)", budgetShare: 0.05 },
  { id: "all-first-price", description: "every auction first price", firstPriceShare: 1 },
  { id: "traffic-surge", description: "arrivals x3 from 17:00 to 20:00", supplyDip: { from: 17, to: 20, factor: 3 } },
  { id: "price-jump", description: "competing bids and floors x1.6 from 12:00", priceJump: { fromHour: 12, factor: 1.6 } },
  {
    id: "value-correlated",
    description: "competing bids in proportion to the impression's true value (elasticity 1)",
    competitorValueElasticity: 1,
  },
  {
    id: "midday-cold-start",
    description: "a new bidder (no state) created at 12:00 under heavy traffic: budget a twentieth of the base",
    startHour: 12,
    coldStart: true,
    budgetShare: 0.0125,
  },
];
