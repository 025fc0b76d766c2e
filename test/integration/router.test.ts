import http from "node:http";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "../../src/app/start-gateway.js";
import { hashApiKey } from "../../src/limits/keys.js";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { parseConfig } from "../../src/app/load-config.js";
import { startGateway } from "../../src/app/start-gateway.js";
import { startFakeOpenAI, type FakeOpenAI } from "../support/fake-openai.js";
import { listenLoopback } from "../support/fake-upstream.js";
import { CLI_TEST_TIMEOUT_MS, runSluice } from "../support/process.js";

/**
 * The router policy slot in the request path (needs `npm run build:wasm`): one alias with two
 * real HTTP upstreams at different prices, configured strong-first with strategy `ordered` so
 * the built-in order and the module's cost-aware order disagree. The default module
 * (builtin:router-hostio, `sluice:host` I/O) sends traffic to the cheap one; the example module
 * pushed through the admin API (CLI) sends a code prompt to the strong one from the next request
 * on; rollback restores the default; when the cheap upstream starts failing, traffic moves to
 * the strong one.
 */
const ADMIN = "sk-sluice-router-admin";
const dist = fileURLToPath(new URL("../../dist/policy-wasm/", import.meta.url));

/** An OpenAI-compatible upstream that answers (echo) or fails with 500 on demand, and sends
 *  OpenAI's token rate-limit headers when `remainingTokens` is set. */
interface Switchable { url: string; hits: number; failing: boolean; remainingTokens?: number; close(): Promise<void> }
async function startSwitchable(): Promise<Switchable> {
  const state: Switchable = { url: "", hits: 0, failing: false, close: async () => {} };
  const server = http.createServer(async (req, res) => {
    let raw = "";
    for await (const chunk of req) raw += chunk;
    const body = JSON.parse(raw);
    state.hits++;
    if (state.failing) {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: "cheap upstream is down", type: "server_error", code: null } }));
      return;
    }
    const text = body.messages.at(-1).content;
    const limits = state.remainingTokens === undefined ? {} : { "x-ratelimit-remaining-tokens": String(state.remainingTokens), "x-ratelimit-reset-tokens": "1.5s" };
    res.writeHead(200, { "content-type": "application/json", ...limits });
    res.end(JSON.stringify({
      id: "chatcmpl-cheap", object: "chat.completion", created: 1731000000, model: body.model,
      choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }],
      usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
    }));
  });
  const listening = await listenLoopback(server);
  state.url = `${listening.origin}/v1`;
  state.close = listening.close;
  return state;
}

let cheap: Switchable;
let strong: FakeOpenAI;
let gw: RunningGateway;
let env: NodeJS.ProcessEnv;
/** The gateway's log lines (JSON), to read the access log. */
const logLines: any[] = [];

beforeAll(async () => {
  cheap = await startSwitchable();
  strong = await startFakeOpenAI();
  const config = parseConfig(`
admin: { keys: [ { id: ops, hash: "${hashApiKey(ADMIN)}" } ] }
providers:
  - { id: strong, kind: openai, base_url: "${strong.url}" }
  - { id: cheap, kind: openai, base_url: "${cheap.url}" }
models:
  - alias: chat
    strategy: ordered
    targets: [ { provider: strong, model: "echo:big" }, { provider: cheap, model: "echo:mini" } ]
pricing:
  "echo:big": { input_per_mtok: 5, output_per_mtok: 15 }
  "echo:mini": { input_per_mtok: 0.15, output_per_mtok: 0.6 }
policies:
  router: { fail: open }          # the default module: builtin:router-hostio
`, "router test");
  config.dataDir = mkdtempSync(join(tmpdir(), "sluice-router-"));
  const sink = new Writable({ write(chunk, _enc, done) { for (const l of String(chunk).split("\n")) if (l) logLines.push(JSON.parse(l)); done(); } });
  gw = await startGateway(config, { port: 0, logger: pino({ level: "info" }, sink) });
  env = { SLUICE_URL: gw.url, SLUICE_ADMIN_KEY: ADMIN };
});
afterAll(async () => {
  await gw?.close();
  await cheap?.close();
  await strong?.close();
});

const PLAIN = "Summarise the plot of Hamlet in two sentences.";
const CODE = "Why does this fail?\n```ts\nconst x: number = \"1\";\n```";

async function ask(content: string): Promise<{ provider: string; attempts: number; text: string }> {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer x" },
    body: JSON.stringify({ model: "chat", messages: [{ role: "user", content }] }),
  });
  const body = (await res.json()) as any;
  expect(res.status, JSON.stringify(body)).toBe(200);
  return { provider: res.headers.get("x-sluice-provider")!, attempts: Number(res.headers.get("x-sluice-attempts")), text: body.choices[0].message.content };
}

async function decisions(): Promise<string> {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  return text.split("\n").filter((l) => l.startsWith("sluice_router_decisions_total{")).join("\n");
}

describe("router policy slot end to end", () => {
  it("the default module sends plain and code prompts to the cheaper target (the built-in order would pick the strong one)", async () => {
    for (const prompt of [PLAIN, CODE, PLAIN]) {
      const r = await ask(prompt);
      expect(r.provider).toBe("cheap");
      expect(r.text).toBe(prompt);
    }
    expect(cheap.hits).toBe(3);
    expect(strong.requests.length).toBe(0);
    expect(await decisions()).toContain('sluice_router_decisions_total{alias="chat",outcome="module"} 3');
    const access = logLines.filter((l) => l.msg === "request").at(-1);
    expect(access).toMatchObject({ model: "chat", provider: "cheap", route_by: "module", route_module_version: 1 });
    expect(access.route_reason).toBe("cost-aware: cheap/echo:mini cheapest healthy");
  });

  it("pushing the example module sends a code prompt to the strong target from the next request; rollback restores the default", async () => {
    const push = runSluice(["policy", "push", "router", dist + "router-strong-for-code.wasm", "--note", "strong for code"], env);
    expect(await push.exited, push.err()).toBe(0);
    expect(push.out()).toMatch(/pushed router version 2/);

    expect((await ask(CODE)).provider).toBe("strong");
    expect(strong.requests.at(-1)!.body.model).toBe("echo:big");
    expect(logLines.filter((l) => l.msg === "request").at(-1)).toMatchObject({
      provider: "strong", route_by: "module", route_module_version: 2, route_reason: "strong-for-code: code prompt -> strong/echo:big",
    });
    expect((await ask(PLAIN)).provider).toBe("cheap"); // not code, not long: cost-aware

    const list = runSluice(["policy", "list", "router"], env);
    expect(await list.exited).toBe(0);
    expect(list.out()).toMatch(/active: 2\n/);

    const back = runSluice(["policy", "rollback", "router"], env);
    expect(await back.exited, back.err()).toBe(0);
    expect(back.out()).toMatch(/router: version 1 active/);
    expect((await ask(CODE)).provider).toBe("cheap");
  }, CLI_TEST_TIMEOUT_MS);

  it("a module of the wrong slot is refused and the active one keeps serving", async () => {
    const bad = runSluice(["policy", "push", "router", dist + "pii.wasm"], env);
    expect(await bad.exited).toBe(1);
    expect(bad.err()).toContain('missing export "route"');
    expect((await ask(PLAIN)).provider).toBe("cheap");
  });

  it("a target whose rate-limit headers say it is nearly out of tokens is pushed back until its window resets", async () => {
    cheap.remainingTokens = 40; // fewer than a request's input estimate + 256 expected output tokens
    expect((await ask(PLAIN)).provider).toBe("cheap"); // nothing known yet; this answer says 40 left
    expect((await ask(PLAIN)).provider).toBe("strong");
    expect(logLines.filter((l) => l.msg === "request").at(-1).route_reason).toBe(
      "cost-aware: strong/echo:big cheapest healthy; pushed back: cheap/echo:mini (capacity)",
    );
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toContain('sluice_upstream_remaining_tokens{provider="cheap",model="echo:mini"} 40');
    cheap.remainingTokens = undefined;
    await new Promise((r) => setTimeout(r, 1600)); // the window the header gave (1.5 s) is over
    expect((await ask(PLAIN)).provider).toBe("cheap");
  });

  it("when the cheap upstream starts failing, traffic moves to the strong one", async () => {
    cheap.failing = true;
    const before = cheap.hits;
    // First request: cheap is still first; it fails (and is retried once), strong answers.
    const first = await ask(PLAIN);
    expect(first.provider).toBe("strong");
    expect(first.attempts).toBe(3);
    expect(cheap.hits - before).toBe(2);
    // Cheap's error rate is now over the module's guard: it is pushed back, strong goes first.
    for (let i = 0; i < 3; i++) {
      const r = await ask(PLAIN);
      expect(r.provider).toBe("strong");
      expect(r.attempts).toBe(1);
    }
    expect(cheap.hits - before).toBe(2);
  });
});
