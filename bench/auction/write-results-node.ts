import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** Writes a generated file, creating its folder. */
export function writeResultFile(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}
