// The docs are a tree rooted at README.md: every page in docs/ is linked from
// the README, and every relative link in the README and docs/ (to a file, a
// folder, or a heading of a Markdown page) points at something that exists.
// Reads files only: no build, no servers.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const docsDir = join(root, "docs");
const docPages = existsSync(docsDir)
  ? readdirSync(docsDir)
      .filter((name) => name.endsWith(".md"))
      .map((name) => join(docsDir, name))
  : [];
const pages = [join(root, "README.md"), ...docPages];

/** Markdown link targets outside code blocks and code spans: `[text](target)`. */
function linkTargets(markdown: string): string[] {
  const prose = markdown.replace(/```[\s\S]*?```/g, "").replace(/`[^`\n]*`/g, "");
  const targets: string[] = [];
  for (const match of prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) targets.push(match[1]!);
  return targets;
}

/** The anchors a Markdown page offers: GitHub's heading slugs and explicit `<a id>`s. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const prose = markdown.replace(/```[\s\S]*?```/g, "");
  for (const match of prose.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = match[1]!
      .toLowerCase()
      .replace(/<[^>]+>/g, "")
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .trim()
      .replace(/\s/g, "-");
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  for (const match of prose.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(match[1]!);
  return anchors;
}

function brokenLinks(page: string): string[] {
  const markdown = readFileSync(page, "utf8");
  const broken: string[] = [];
  for (const target of linkTargets(markdown)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: and the like: not ours to check offline
    const [path, anchor] = target.split("#", 2) as [string, string | undefined];
    const file = path === "" ? page : resolve(dirname(page), decodeURIComponent(path));
    if (!file.startsWith(root) || !existsSync(file)) {
      broken.push(`${target} (no such file)`);
      continue;
    }
    if (anchor !== undefined && file.endsWith(".md") && statSync(file).isFile()) {
      if (!anchorsOf(readFileSync(file, "utf8")).has(anchor)) broken.push(`${target} (no such heading)`);
    }
  }
  return broken;
}

describe("docs", () => {
  it("has pages, and the README links every one of them", () => {
    expect(docPages.length).toBeGreaterThan(0);
    const readmeTargets = new Set(
      linkTargets(readFileSync(join(root, "README.md"), "utf8")).map((t) => resolve(root, t.split("#")[0]!)),
    );
    const unlinked = docPages.filter((page) => !readmeTargets.has(page)).map((page) => relative(root, page));
    expect(unlinked, "docs pages the README does not link").toEqual([]);
  });

  it("keeps the README under 12,000 bytes: a newcomer's five minutes, the rest in docs/", () => {
    expect(statSync(join(root, "README.md")).size).toBeLessThan(12_000);
  });

  it.each(pages.map((page) => [relative(root, page), page]))("%s: every relative link resolves", (_name, page) => {
    expect(brokenLinks(page)).toEqual([]);
  });

  it("finds a broken link and a missing heading (the checker itself)", () => {
    expect(linkTargets("see [a](x.md) and `[b](y.md)` and\n```\n[c](z.md)\n```")).toEqual(["x.md"]);
    const anchors = anchorsOf("# Raw TCP: the pool\n## Errors\n## Errors\n<a id=\"custom\"></a>");
    expect([...anchors].sort()).toEqual(["custom", "errors", "errors-1", "raw-tcp-the-pool"]);
  });
});
