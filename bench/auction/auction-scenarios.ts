/** What a scenario changes about the generated day. */
export interface Scenario {
  /** Short id used in tables. */
  id: string;
  /** One line for the report. */
  description: string;
  /** Hours [from, to) during which arrivals are multiplied by `supplyFactor`. */
  supplyDip?: { from: number; to: number; factor: number };
  /** Multiplier on market prices (competing bids and floors). Default 1. */
  priceFactor?: number;
  /** Multiplier on predicted LTV and its bounds (the truth is unchanged). Default 1. */
  predictionBias?: number;
  /** Budget as a share of the cost of every impression worth its price. Default 0.25. */
  budgetShare?: number;
  /** Share of first-price auctions. Default 0.6. */
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
];
