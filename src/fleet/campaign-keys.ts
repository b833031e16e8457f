import { invalidArgument } from "../validation/invalid-argument.js";

/** The Redis keys of one campaign. They share the `{campaign}` hash tag, so a Redis Cluster keeps them in one slot. */
export interface CampaignKeys {
  budget: string;
  leases: string;
  expiry: string;
  reaped: string;
  foreign: string;
  owners: string;
  written: string;
}

/** Default prefix of every key. */
export const defaultKeyPrefix = "syncvalue:fleet";

/** Validates a campaign id and key prefix and names the campaign's keys. */
export function campaignKeys(campaign: unknown, keyPrefix: unknown = defaultKeyPrefix): CampaignKeys {
  if (typeof campaign !== "string" || campaign.length === 0 || campaign.length > 200) {
    throw invalidArgument("campaign", "must be a non-empty string of at most 200 characters");
  }
  // A brace would end the hash tag early and split the campaign across slots.
  if (/[{}\s]/.test(campaign)) throw invalidArgument("campaign", "must not contain braces or whitespace");
  if (typeof keyPrefix !== "string" || /[{}\s]/.test(keyPrefix)) {
    throw invalidArgument("keyPrefix", "must be a string without braces or whitespace");
  }
  const base = `${keyPrefix}:{${campaign}}`;
  return {
    budget: `${base}:budget`,
    leases: `${base}:leases`,
    expiry: `${base}:expiry`,
    reaped: `${base}:reaped`,
    foreign: `${base}:foreign`,
    owners: `${base}:owners`,
    written: `${base}:written`,
  };
}
