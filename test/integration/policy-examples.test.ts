// The example modules of examples/policies/, built and tested the way an author does it
// (`sluice policy build DIR`, `sluice policy test DIR`: conformance vectors plus the example's
// cases.json, on its release, sluice:host and debug builds), then loaded into a real gateway:
// the tenant router pushed with `sluice policy push` routes a premium key's requests to the
// strong target, and the employee-id pii module redacts EMP-123456 before the provider sees it.
// Each example is copied to a temporary folder first, so builds never land in the repository.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { hashApiKey } from "../../src/limits/keys.js";
import type { RunningGateway } from "../../src/app/start-gateway.js";
import { startTestGateway } from "../support/gateway.js";

const EXAMPLES = join(process.cwd(), "examples", "policies");
const work = mkdtempSync(join(tmpdir(), "sluice-examples-"));

/** Runs `sluice <args>` in-process; its exit code and what it printed. */
async function sluice(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough(), stderr = new PassThrough();
  let out = "", err = "";
  stdout.on("data", (d) => (out += d));
  stderr.on("data", (d) => (err += d));
  const code = await main(args, { stdin: new PassThrough(), stdout, stderr });
  return { code, out, err };
}

/** Copies examples/policies/<name> to a fresh folder and builds it there; the module folder. */
async function built(name: string, slot: string): Promise<string> {
  const dir = join(work, name);
  cpSync(join(EXAMPLES, name), dir, { recursive: true, filter: (src) => !src.includes(`${name}/build`) });
  const build = await sluice("policy", "build", dir);
  expect(build.code, build.err).toBe(0);
  expect(build.out).toBe(`${join(dir, "build", `${slot}.wasm`)}\n`);
  return dir;
}

const gateways: RunningGateway[] = [];
afterAll(async () => {
  for (const gw of gateways) await gw.close();
});

describe("examples/policies/tenant-router", () => {
  let dir: string;

  it("builds, and passes the router conformance vectors and its own cases on every build", { timeout: 120_000 }, async () => {
    dir = await built("tenant-router", "router");
    const test = await sluice("policy", "test", dir);
    expect(test.code, test.err).toBe(0);
    expect(test.out.match(/ok for slot router \(exports, ABI, memory cap, conformance vectors, 4 case\(s\)\)/g)).toHaveLength(3);
  });

  it("a case the module does not meet fails the test, naming the case and the field", { timeout: 60_000 }, async () => {
    const casesPath = join(dir, "cases.json");
    const cases = JSON.parse(readFileSync(casesPath, "utf8")) as Array<{ expect: { target_ids: string[] } }>;
    cases[0]!.expect.target_ids = ["cheap/mini", "strong/large", "mid/medium"];
    writeFileSync(join(dir, "wrong-cases.json"), JSON.stringify(cases));
    const test = await sluice("policy", "test", "router", join(dir, "build", "router.wasm"), "--cases", join(dir, "wrong-cases.json"));
    expect(test.code).toBe(1);
    expect(test.err).toContain('conformance "your case: premium tenants get the strongest target first": target_ids[0]: got "strong/large", want "cheap/mini"');
    // the other cases still pass: only the planted one is named
    expect(test.err.match(/your case/g)).toHaveLength(1);
  });

  it("pushed to a running gateway, it sends a premium key's requests to the strong target and others the configured way", { timeout: 60_000 }, async () => {
    const ADMIN = "sk-examples-admin", PREMIUM = "sk-examples-premium", STANDARD = "sk-examples-standard";
    const gw = await startTestGateway(`
admin: { keys: [ { id: ops, hash: "${hashApiKey(ADMIN)}" } ] }
providers: [ { id: cheap, kind: mock }, { id: strong, kind: mock } ]
models:
  - alias: chat
    targets: [ { provider: cheap, model: mock-echo }, { provider: strong, model: mock-lorem } ]
pricing:
  mock-echo: { input_per_mtok: 0.15, output_per_mtok: 0.6 }
  mock-lorem: { input_per_mtok: 5, output_per_mtok: 15 }
policies:
  router: { fail: closed }
tenants:
  - id: acme
    keys:
      - { id: acme-premium, hash: "${hashApiKey(PREMIUM)}", tags: { tier: premium } }
      - { id: acme-standard, hash: "${hashApiKey(STANDARD)}" }
telemetry: { access_log: false }
`);
    gateways.push(gw);
    const providerFor = async (key: string) => {
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "chat", messages: [{ role: "user", content: "hello" }] }),
      });
      expect(res.status, await res.clone().text()).toBe(200);
      return res.headers.get("x-sluice-provider");
    };
    // the shipped cost-aware module: the cheap target for everyone
    expect(await providerFor(PREMIUM)).toBe("cheap");
    const push = await sluice("policy", "push", "router", join(dir, "build", "router.wasm"), "--url", gw.url, "--admin-key", ADMIN, "--note", "tenant tiers");
    expect(push.code, push.err).toBe(0);
    expect(push.out).toMatch(/pushed router version 2/);
    expect(await providerFor(PREMIUM)).toBe("strong");
    expect(await providerFor(STANDARD)).toBe("cheap");
  });
});

describe("examples/policies/guard-secrets", () => {
  it("builds, and passes the guard conformance vectors and its own cases on every build", { timeout: 120_000 }, async () => {
    const dir = await built("guard-secrets", "guard");
    const test = await sluice("policy", "test", dir);
    expect(test.code, test.err).toBe(0);
    expect(test.out.match(/ok for slot guard \(exports, ABI, memory cap, conformance vectors, 4 case\(s\)\)/g)).toHaveLength(3);
  });
});

describe("examples/policies/pii-employee-id", () => {
  let dir: string;

  it("builds, and passes the pii conformance vectors and its own cases on every build", { timeout: 120_000 }, async () => {
    dir = await built("pii-employee-id", "pii");
    const test = await sluice("policy", "test", dir);
    expect(test.code, test.err).toBe(0);
    expect(test.out.match(/ok for slot pii \(exports, ABI, memory cap, conformance vectors, 6 case\(s\)\)/g)).toHaveLength(3);
  });

  it("as a gateway's pii module, it redacts employee ids before the provider sees them, beside the built-in types", { timeout: 60_000 }, async () => {
    const gw = await startTestGateway(`
policies:
  pii: { module: "${join(dir, "build", "pii-hostio.wasm")}", fail: closed, actions: { EMAIL_ADDRESS: redact } }
telemetry: { access_log: false }
`);
    gateways.push(gw);
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "mock-echo", messages: [{ role: "user", content: "Staff badge EMP-123456, mail jane@example.com" }] }),
    });
    const body = (await res.json()) as { choices: Array<{ message: { content: string } }> };
    expect(res.status, JSON.stringify(body)).toBe(200);
    // mock-echo answers with the text it was sent: what left the gateway
    expect(body.choices[0]!.message.content).toBe("Staff badge [EMPLOYEE_ID], mail [EMAIL_ADDRESS]");
  });
});
