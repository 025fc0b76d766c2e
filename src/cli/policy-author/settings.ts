// <dir>/sluice-policy.json: what `sluice policy new` writes and `build` / `test` read. The only
// build settings an author may change; the asc flags themselves are Sluice's (build.ts).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { SlotName } from "../../policy/index.js";

export const SETTINGS_FILE = "sluice-policy.json";
const SLOTS: readonly SlotName[] = ["pii", "guard", "router", "tokens"];

export interface ModuleSettings {
  slot: SlotName;
  /** The module's source, relative to its folder. */
  entry: string;
  /** The author's own test cases (policy test), relative to the folder. */
  cases: string;
  /** Declared maximum memory in 64 KiB pages (each slot caps it: the host refuses more). */
  maxMemoryPages: number;
}

/** Reads and checks <dir>/sluice-policy.json; throws naming the bad field. */
export function readModuleSettings(dir: string): ModuleSettings {
  const path = join(dir, SETTINGS_FILE);
  if (!existsSync(path)) throw new Error(`${path} not found: is ${dir} a module folder made by \`sluice policy new\`?`);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`${path}: not JSON (${(err as Error).message})`);
  }
  const known = new Set(["slot", "entry", "cases", "max_memory_pages"]);
  const unknown = Object.keys(raw).filter((k) => !known.has(k));
  if (unknown.length > 0) throw new Error(`${path}: unknown field(s) ${unknown.join(", ")} (known: ${[...known].join(", ")})`);
  const slot = raw.slot;
  if (typeof slot !== "string" || !SLOTS.includes(slot as SlotName)) throw new Error(`${path}: slot must be one of ${SLOTS.join(", ")}`);
  const pages = raw.max_memory_pages ?? 64;
  if (typeof pages !== "number" || !Number.isInteger(pages) || pages < 1 || pages > 65536) throw new Error(`${path}: max_memory_pages must be an integer 1..65536`);
  const entry = raw.entry ?? "index.ts";
  const cases = raw.cases ?? "cases.json";
  if (typeof entry !== "string" || typeof cases !== "string") throw new Error(`${path}: entry and cases are file names`);
  return { slot: slot as SlotName, entry, cases, maxMemoryPages: pages };
}
