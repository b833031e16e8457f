// Messages between the market (the simulation's parent process) and the
// bidding instances (child processes), over Node's IPC channel.

/** Parent -> child at start (argv as JSON). */
export interface InstanceConfig {
  redisPort: number;
  campaign: string;
  /** "lease": the fleet ledger; "naive": one GET before each bid and INCRBYFLOAT per win. */
  mode: "lease" | "naive";
  settlement: "write_through" | { maxStaleMs: number; acknowledge?: "at_once" | "after_write" };
  budget: number;
  bidsPerSecond: number;
  /** Bids come in bursts every this many ms, at `bidsPerSecond` on average; each burst is one message to the market. */
  burstMs: number;
  /** Value of an impression, CPM. */
  valueCpm: number;
  leaseTtlMs: number;
  outcomeGraceMs: number;
  outcomeTimeoutMs: number;
  minChunk: number;
  instanceId: string;
}

export type ToMarket =
  | { t: "bid"; id: string; bidCpm: number }
  /** The bids of one burst (lease mode), one message: the market answers their losses in one message too. */
  | { t: "bids"; ids: string[]; bidCpms: number[] }
  | { t: "ack"; id: string }
  | {
      t: "metrics";
      bids: number;
      roundTrips: number;
      /** Lease mode: round trips by purpose (the ledger's `roundTripsBy`); naive: `get` and `incr`. */
      roundTripsBy: Record<string, number>;
      refusals: number;
      redisWaitMs: number;
      /** Bid opportunities the simulated traffic offered (bid or refused). */
      attempts: number;
      /** Refused opportunities by the bidder's reason. */
      noBids: Record<string, number>;
      /** Failed renewals by cause: `timeout` (the ledger's time limit) or `error` (connection, server). */
      failed: Record<string, number>;
      /** CPU time of the instance process so far, ms. */
      cpuMs: number;
      /** Median time from a bid to its outcome notice over the last window, ms (lease mode). */
      outcomeP50Ms: number;
      decideP99Us: number;
      decideP50Us: number;
    }
  | { t: "ready" };

export type ToInstance =
  | { t: "win"; id: string; priceCpm: number }
  | { t: "loss"; id: string }
  | { t: "losses"; ids: string[] }
  | { t: "stop" }
  /** Start bidding (the whole fleet at once; a replacement when it is up). */
  | { t: "go" };
