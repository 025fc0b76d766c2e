// README.md's "Write your first policy (five minutes)", run as written: the sh blocks between
// the walkthrough:begin and walkthrough:end markers are taken from README.md itself and run in
// order by bash in an empty folder, against a gateway started with the config the README names
// (examples/policies/gateway.yaml). So the walkthrough cannot break without this test failing:
// scaffold, edit, build, test, push (the behaviour changes), list, roll back (it changes back).
// `npx sluice` runs this checkout's bin/sluice.js (what npx finds in the repository; the temp
// folder has no node_modules), which needs `npm run build` (npm test does it).
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "../../src/app/start-gateway.js";
import { startTestGateway } from "../support/gateway.js";

const ROOT = process.cwd();
const ADMIN_KEY = "sk-sluice-example-admin"; // the public key of examples/policies/gateway.yaml

/** The sh blocks between the walkthrough markers, dedented, in order. */
function walkthroughCommands(readme: string): string[] {
  const begin = readme.indexOf("<!-- walkthrough:begin");
  const end = readme.indexOf("<!-- walkthrough:end -->");
  if (begin < 0 || end < begin) throw new Error("README.md has no walkthrough:begin / walkthrough:end markers");
  const blocks: string[] = [];
  for (const m of readme.slice(begin, end).matchAll(/^( *)```sh\n([\s\S]*?)^\1```$/gm)) {
    const indent = m[1]!.length;
    blocks.push(m[2]!.split("\n").map((line) => line.slice(Math.min(indent, line.search(/\S|$/)))).join("\n"));
  }
  return blocks;
}

function runBash(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn("bash", ["-c", script], { cwd, env: { ...process.env, ...env } });
    let out = "", err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => resolve({ code, out, err }));
  });
}

let gw: RunningGateway;
beforeAll(async () => {
  gw = await startTestGateway(readFileSync(join(ROOT, "examples", "policies", "gateway.yaml"), "utf8"));
});
afterAll(async () => {
  await gw.close();
});

describe("README walkthrough: Write your first policy", () => {
  it("finds the walkthrough's commands in README.md", () => {
    const blocks = walkthroughCommands(readFileSync(join(ROOT, "README.md"), "utf8"));
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    expect(blocks.join("\n")).toMatch(/npx sluice policy new guard my-guard/);
  });

  it("runs them: the pushed module blocks what it should, and the rollback undoes it", { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-readme-"));
    const commands = walkthroughCommands(readFileSync(join(ROOT, "README.md"), "utf8"));
    const script = [
      "set -euo pipefail",
      `npx() { if [ "$1" = sluice ]; then shift; node ${JSON.stringify(join(ROOT, "bin", "sluice.js"))} "$@"; else command npx "$@"; fi; }`,
      ...commands,
    ].join("\n");
    const started = performance.now();
    const run = await runBash(script, dir, { SLUICE_URL: gw.url, SLUICE_ADMIN_KEY: ADMIN_KEY });
    const seconds = (performance.now() - started) / 1000;
    expect(run.code, `${run.out}\n${run.err}`).toBe(0);
    // the three answers the walkthrough prints: before the push, after it, after the rollback
    expect(run.out.split("\n").filter((line) => /^\d{3}$/.test(line))).toEqual(["200", "400", "200"]);
    expect(run.out).toContain("my-guard/build/guard.wasm\n");
    expect(run.out.match(/ok for slot guard \(exports, ABI, memory cap, conformance vectors, 2 case\(s\)\)/g)).toHaveLength(3);
    expect(run.out).toMatch(/pushed guard version 2 \(sha256 [0-9a-f]{64}\); active now/);
    expect(run.out).toMatch(/^2\t[0-9a-f]{16}\t\d+ B\t.*\tproject nightingale$/m);
    expect(run.out).toMatch(/guard: version 1 active since/);
    // the edit took: the module the author built blocks their phrase, not the scaffold's
    expect(readFileSync(join(dir, "my-guard", "index.ts"), "utf8")).toContain('"project nightingale"');
    expect(existsSync(join(dir, "my-guard", "build", "guard.debug.wasm"))).toBe(true);
    // and the gateway is back on the built-in module
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "mock-echo", messages: [{ role: "user", content: "When does project nightingale launch?" }] }),
    });
    expect(res.status).toBe(200);
    // a figure, not a check (timed assertions flake on a loaded machine): ~15 s of CPU, most of
    // it the three asc builds
    console.log(`README walkthrough: ${seconds.toFixed(1)} s`);
  });
});
