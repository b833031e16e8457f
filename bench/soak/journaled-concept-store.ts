import { closeSync, existsSync, openSync, readFileSync, writeSync } from "node:fs";
import type { Concept, ConceptStore } from "../../src/server/concept-store.js";
import { createMemoryConceptStore } from "../../src/server/memory-concept-store.js";

/**
 * The soak server's concept store: the in-memory store, with every applied
 * `learnConcept` appended to a journal file before it is acknowledged, and
 * the journal replayed at start. So the store survives SIGKILL and restarts
 * (a write that was acknowledged is never lost), and the journal tells how
 * many times each write was applied (a duplicate is a concept id journaled
 * twice). `writeSync` puts each line in the kernel before the answer leaves,
 * so a killed process loses no journaled line.
 */
export interface JournaledConceptStore extends ConceptStore {
  /** Lines replayed at start. */
  readonly replayed: number;
  close(): void;
}

export function openJournaledConceptStore(path: string): JournaledConceptStore {
  const inner = createMemoryConceptStore();
  let replayed = 0;
  if (existsSync(path)) {
    for (const line of readFileSync(path, "utf8").split("\n")) {
      if (line === "") continue;
      // A line cut short by a kill is not an applied write; skip it.
      let concept: Concept;
      try {
        concept = JSON.parse(line) as Concept;
      } catch {
        continue;
      }
      inner.learnConcept(concept);
      replayed++;
    }
  }
  const fd = openSync(path, "a");
  return {
    ...inner,
    replayed,
    learnConcept(concept) {
      const { conceptId, content, strength, confidence } = concept;
      writeSync(fd, `${JSON.stringify({ conceptId, content, embedding: [...concept.embedding], strength, confidence })}\n`);
      return inner.learnConcept(concept);
    },
    close() {
      closeSync(fd);
    },
  };
}

/** Counts of each concept id in a journal file. */
export function readJournalCounts(path: string): Map<string, number> {
  const counts = new Map<string, number>();
  if (!existsSync(path)) return counts;
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (line === "") continue;
    try {
      const id = (JSON.parse(line) as Concept).conceptId;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    } catch {
      // torn last line of a killed process: not applied
    }
  }
  return counts;
}
