import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";

/**
 * The index worker must be JavaScript (a worker thread does not go through vitest's TypeScript
 * transform). Transpile src/cache/*.ts into a temp directory (with a node_modules link so
 * hnswlib-node resolves) and return the worker's URL. Takes ~100 ms; independent of dist/.
 */
export function transpiledWorkerScript(): URL {
  const root = resolve(import.meta.dirname, "../../../..");
  const out = mkdtempSync(join(tmpdir(), "sluice-cache-worker-"));
  process.once("exit", () => rmSync(out, { recursive: true, force: true }));
  const cacheOut = join(out, "src/cache");
  mkdirSync(cacheOut, { recursive: true });
  symlinkSync(join(root, "node_modules"), join(out, "node_modules"), "dir");
  writeFileSync(join(out, "package.json"), JSON.stringify({ type: "module" }));
  for (const f of readdirSync(join(root, "src/cache"))) {
    if (!f.endsWith(".ts")) continue;
    const src = readFileSync(join(root, "src/cache", f), "utf8");
    const js = ts.transpileModule(src, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
    }).outputText;
    writeFileSync(join(cacheOut, f.replace(/\.ts$/, ".js")), js);
  }
  return pathToFileURL(join(cacheOut, "index-worker.js"));
}
