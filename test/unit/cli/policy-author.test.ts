// The pieces of `sluice policy new/build/test` that an author meets when something is wrong:
// a cases file or settings file with a mistake, a folder that is not empty, a module that does
// not compile, and the subset matching of cases.json expectations. The happy paths (scaffold,
// build, test, push) run in test/integration/policy-examples.test.ts and readme-walkthrough.test.ts.
import { mkdtempSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main.js";
import { loadCases, mismatch } from "../../../src/cli/policy-author/cases.js";

const fresh = () => mkdtempSync(join(tmpdir(), "sluice-author-"));

async function sluice(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough(), stderr = new PassThrough();
  let out = "", err = "";
  stdout.on("data", (d) => (out += d));
  stderr.on("data", (d) => (err += d));
  const code = await main(args, { stdin: new PassThrough(), stdout, stderr });
  return { code, out, err };
}

describe("cases.json expectations", () => {
  it("match field by field, lists in full, proto JSON defaults read as absent", () => {
    const actual = { verdict: "GUARD_VERDICT_BLOCK", score: 0.949999988079071, parts: [{ text_index: 1, label: "injection" }] };
    expect(mismatch(actual, { verdict: "GUARD_VERDICT_BLOCK" }, "")).toBeNull();
    expect(mismatch(actual, { score: 0.95 }, "")).toBeNull(); // float32 against the decimal written
    expect(mismatch(actual, { parts: [{ label: "injection" }] }, "")).toBeNull();
    expect(mismatch(actual, { reasons: [] }, "")).toBeNull(); // absent list = empty
    expect(mismatch({}, { spans: [], count: 0, reason: "", ok: false }, "")).toBeNull();
  });

  it("name the first field that differs", () => {
    const actual = { target_ids: ["a/x", "b/y"], reason: "r" };
    expect(mismatch(actual, { target_ids: ["b/y", "a/x"] }, "")).toBe('target_ids[0]: got "a/x", want "b/y"');
    expect(mismatch(actual, { target_ids: ["a/x"] }, "")).toBe('target_ids: got 2 item(s) ["a/x","b/y"], want 1');
    expect(mismatch(actual, { reason: "other" }, "")).toBe('reason: got "r", want "other"');
    expect(mismatch(actual, { parts: [{ label: "x" }] }, "")).toBe("parts: got 0 item(s) [], want 1");
    expect(mismatch({ score: 0.5 }, { score: 0.6 }, "")).toBe("score: got 0.5, want 0.6");
  });

  it("a cases file with a mistake is refused, naming the case", () => {
    const dir = fresh();
    const write = (body: unknown) => { writeFileSync(join(dir, "c.json"), JSON.stringify(body)); return join(dir, "c.json"); };
    expect(() => loadCases("router", write({ name: "x" }))).toThrow(/a list of cases/);
    expect(() => loadCases("router", write([{ name: "no expect", input: {} }]))).toThrow(/"no expect": needs an input and an expect object/);
    expect(() => loadCases("router", write([{ name: "typo", input: { candidatez: [] }, expect: {} }]))).toThrow(/"typo": input is not a sluice.policy.v1.RouterRouteInput/);
    writeFileSync(join(dir, "bad.json"), "[{");
    expect(() => loadCases("guard", join(dir, "bad.json"))).toThrow(/bad.json/);
    expect(loadCases("guard", write([{ name: "ok", input: { texts: ["hi"], roles: ["user"] }, expect: { verdict: "GUARD_VERDICT_ALLOW" } }]))).toHaveLength(1);
  });
});

describe("sluice policy new / build / test: refusals", () => {
  it("new refuses an unknown slot and a folder with files in it", async () => {
    const dir = fresh();
    expect((await sluice("policy", "new", "firewall", join(dir, "m"))).code).toBe(2);
    writeFileSync(join(dir, "keep.txt"), "mine");
    const made = await sluice("policy", "new", "router", dir);
    expect(made.code).toBe(1);
    expect(made.err).toContain("is not empty: pick a new folder");
  });

  it("build and test name what is missing or wrong in the folder", async () => {
    const dir = fresh();
    expect((await sluice("policy", "build", dir)).err).toMatch(/sluice-policy.json not found: is .* a module folder made by `sluice policy new`\?/);
    writeFileSync(join(dir, "sluice-policy.json"), JSON.stringify({ slot: "router", optimise: true }));
    expect((await sluice("policy", "build", dir)).err).toMatch(/unknown field\(s\) optimise/);
    writeFileSync(join(dir, "sluice-policy.json"), JSON.stringify({ slot: "firewall" }));
    expect((await sluice("policy", "build", dir)).err).toMatch(/slot must be one of pii, guard, router, tokens/);
    writeFileSync(join(dir, "sluice-policy.json"), JSON.stringify({ slot: "router", max_memory_pages: 0 }));
    expect((await sluice("policy", "build", dir)).err).toMatch(/max_memory_pages must be an integer/);
    writeFileSync(join(dir, "sluice-policy.json"), JSON.stringify({ slot: "router" }));
    const test = await sluice("policy", "test", dir);
    expect(test.code).toBe(1);
    expect(test.err).toMatch(/router.wasm, .* not built: run `sluice policy build/);
  });

  it("a module that does not compile fails the build with the compiler's message", { timeout: 60_000 }, async () => {
    const dir = join(fresh(), "m");
    expect((await sluice("policy", "new", "router", dir)).code).toBe(0);
    writeFileSync(join(dir, "index.ts"), 'export { abi_version } from "@sluice/policy-sdk";\nexport function route(): i32 { return notDefinedAnywhere(); }\n');
    mkdirSync(join(dir, "build"), { recursive: true });
    const build = await sluice("policy", "build", dir);
    expect(build.code).toBe(1);
    expect(build.err).toContain("index.ts does not compile");
    expect(build.err).toContain("notDefinedAnywhere");
  });
});
