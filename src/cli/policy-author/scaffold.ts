// `sluice policy new <slot> <dir>`: a module folder that builds and passes `sluice policy test`
// as it is, for the author to change (templates.ts has the files' contents).
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SlotName } from "../../policy/index.js";
import { SETTINGS_FILE } from "./settings.js";
import { TEMPLATES } from "./templates.js";

/** Writes the module folder; returns the files written. Refuses a folder that has files. */
export function scaffoldModule(slot: SlotName, dir: string): string[] {
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new Error(`${dir} is not empty: pick a new folder`);
  mkdirSync(dir, { recursive: true });
  const template = TEMPLATES[slot];
  const files: Record<string, string> = {
    "index.ts": template.index,
    "cases.json": JSON.stringify(template.cases, null, 2) + "\n",
    [SETTINGS_FILE]: JSON.stringify({ slot, entry: "index.ts", cases: "cases.json", max_memory_pages: template.maxMemoryPages }, null, 2) + "\n",
    ".gitignore": "build/\n",
  };
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return Object.keys(files);
}
