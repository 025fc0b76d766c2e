// Builds every shipped policy module: each folder under policy-wasm/ that has a build.mjs
// owns its own build (asc flags, generated tables) and writes its .wasm under dist/policy-wasm/.
import { readdirSync, existsSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
for (const entry of readdirSync(here, { withFileTypes: true })) {
  const script = join(here, entry.name, "build.mjs");
  if (entry.isDirectory() && existsSync(script)) {
    await import(pathToFileURL(script).href);
  }
}
