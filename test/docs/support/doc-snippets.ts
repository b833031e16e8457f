import { readdirSync, readFileSync } from "node:fs";

/**
 * A ```ts block of a Markdown page, with what the HTML comment just before it
 * says about it:
 *
 * - `<!-- snippet: typecheck-only (why) -->`: compiled, not run (it needs
 *   hosts, certificates or a runtime the test does not have);
 * - lines after the first line of that comment are a hidden prelude, compiled
 *   (and run) before the block: declarations the block assumes, e.g.
 *   `declare const caPem: string;`, or a client the block uses.
 *
 * Every other block is compiled and run as it stands.
 */
export interface DocSnippet {
  /** The page, relative to the repository root (`README.md`, `docs/x.md`). */
  readonly page: string;
  /** The line of the opening fence (1-based). */
  readonly line: number;
  readonly code: string;
  readonly prelude: string;
  readonly run: boolean;
}

const fence = /^```(ts|typescript)\s*$/;
const marker = /<!--\s*snippet\b(:\s*typecheck-only)?[^\n]*?(?:\n([\s\S]*?))?-->\s*$/;

/** README.md and every docs/*.md, so pages added later are picked up. */
export function documentationPages(root: string): string[] {
  let docs: string[] = [];
  try {
    docs = readdirSync(`${root}docs`)
      .filter((f) => f.endsWith(".md"))
      .sort()
      .map((f) => `docs/${f}`);
  } catch {
    // No docs/ folder: README only.
  }
  return ["README.md", ...docs];
}

/** The ```ts blocks of one page. */
export function extractSnippets(root: string, page: string): DocSnippet[] {
  const lines = readFileSync(`${root}${page}`, "utf8").split("\n");
  const snippets: DocSnippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!fence.test(lines[i]!)) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    // The comment, if any, ends on the last non-blank line before the fence.
    let end = start - 1;
    while (end >= 0 && lines[end]!.trim() === "") end--;
    let prelude = "";
    let run = true;
    if (end >= 0 && lines[end]!.trimEnd().endsWith("-->")) {
      let begin = end;
      while (begin > 0 && !lines[begin]!.includes("<!--")) begin--;
      const m = marker.exec(lines.slice(begin, end + 1).join("\n"));
      if (m) {
        run = !m[1];
        prelude = (m[2] ?? "").trim();
      }
    }
    snippets.push({ page, line: start + 1, code: body.join("\n"), prelude, run });
  }
  return snippets;
}
