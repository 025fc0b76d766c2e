// Shared fixtures and helpers for the tokens tests.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { EncodingName } from "../../../src/tokens/encodings.js";

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "fixtures", "tokens");

export interface CorpusRow {
  id: string;
  category: string;
  text: string;
  cl100k_base: number;
  o200k_base: number;
  cl100k_ids: number[];
  o200k_ids: number[];
  other_implementations_disagree?: unknown;
}

export function loadCorpus(): CorpusRow[] {
  return readFileSync(join(FIXTURES, "tokens.jsonl"), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as CorpusRow);
}

export function expectedCount(row: CorpusRow, encoding: EncodingName): number {
  return encoding === "cl100k_base" ? row.cl100k_base : row.o200k_base;
}

export function expectedFirstIds(row: CorpusRow, encoding: EncodingName): number[] {
  return encoding === "cl100k_base" ? row.cl100k_ids : row.o200k_ids;
}

/** Deterministic PRNG (mulberry32) so every random test replays the same inputs. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
