/**
 * The advertising platforms the prediction service knows, as they are spelled
 * on the wire (`LTVPredictionRequest.platform`).
 *
 * @public
 */
export const PLATFORMS = ["google_ads", "meta", "tiktok", "linkedin", "amazon", "tradedesk", "x"] as const;

/**
 * One of {@link PLATFORMS}.
 *
 * @public
 */
export type Platform = (typeof PLATFORMS)[number];

/**
 * Returns the canonical platform name for `name`, compared case-insensitively
 * (`"Google_Ads"` gives `"google_ads"`), or `undefined` for an unknown platform.
 *
 * @public
 */
export function toPlatform(name: string): Platform | undefined {
  const lower = name.toLowerCase();
  return (PLATFORMS as readonly string[]).includes(lower) ? (lower as Platform) : undefined;
}
