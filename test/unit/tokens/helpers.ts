// Shared fixtures and helpers for the tokens tests.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { EncodingName } from "../../../src/policy/tokens/encodings.js";

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

