import { build } from "esbuild";

/** Bundles a TypeScript entry into one ESM file for `node` (dependencies stay in node_modules). */
export async function bundleForNode(entry: string, outfile: string): Promise<string> {
  await build({ entryPoints: [entry], outfile, bundle: true, platform: "node", format: "esm", packages: "external", logLevel: "warning" });
  return outfile;
}
