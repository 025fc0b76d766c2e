import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const planted = fileURLToPath(new URL("../../fixtures/architecture/", import.meta.url));

/** Runs dependency-cruiser the way `npm run lint:layers` does, with the project's rules, in `cwd`. */
function lintLayers(cwd: string, paths: string[]): Promise<Array<{ rule: string; from: string; to: string }>> {
  const bin = `${root}node_modules/.bin/depcruise`;
  const args = [...paths, "--config", `${root}.dependency-cruiser.cjs`, "--output-type", "json"];
  return new Promise((resolve, reject) => {
    execFile(bin, args, { cwd, maxBuffer: 64 * 1024 * 1024 }, (err, stdout) => {
      try {
        const result = JSON.parse(stdout) as { summary: { violations: Array<{ rule: { name: string }; from: string; to: string }> } };
        resolve(result.summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to })));
      } catch {
        reject(err ?? new Error(`depcruise printed no JSON: ${stdout.slice(0, 200)}`));
      }
    });
  });
}

// Each case starts dependency-cruiser over the tree: seconds on a quiet machine, and past the
// default 30 s on a loaded one.
const DEPCRUISE_TIMEOUT_MS = 120_000;

describe("layer rules (.dependency-cruiser.cjs, run by npm run lint)", () => {
  it("catch a planted upward import, a sibling import and a circle", async () => {
    const found = await lintLayers(planted, ["src"]);
    const rules = found.map((v) => `${v.rule}: ${v.from} -> ${v.to}`);
    expect(rules).toContain("layer-core: src/core/vocabulary.ts -> src/pipeline/runner.ts");
    expect(rules).toContain("layer-cache: src/cache/lookup.ts -> src/limits/admit.ts");
    expect(rules).toContain("layer-limits: src/limits/admit.ts -> src/cache/lookup.ts");
    expect(found.some((v) => v.rule === "no-circular")).toBe(true);
    // The pipeline importing a library below it is allowed.
    expect(rules.filter((r) => r.startsWith("layer-pipeline"))).toEqual([]);
  }, DEPCRUISE_TIMEOUT_MS);

  it("hold for the project's own tree", async () => {
    expect(await lintLayers(root, ["src", "policy-wasm"])).toEqual([]);
  }, DEPCRUISE_TIMEOUT_MS);
});
