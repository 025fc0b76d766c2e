/**
 * `sluice serve --workers 2`, as an operator runs it (the built bin/sluice.js in a child
 * process), without and with Redis: an rpm limit stays exact across the two workers, a policy
 * push and a key change made through the admin API reach both, the usage query sees every
 * worker's requests, and SIGTERM to the primary drains both (streams in flight on each finish)
 * before it exits 0.
 *
 * Which worker answered: every response of a worker carries `x-sluice-worker` (only when there
 * is more than one). node:cluster hands new connections to the workers in turn, so the tests
 * open one connection per request (`agent: false`) to reach both.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import http from "node:http";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import OpenAI from "openai";
import { Agent } from "undici";
import { AdminService } from "../../src/gen/sluice/v1/admin_pb.js";
import { hashApiKey } from "../../src/limits/keys.js";
import { runSluice, startGatewayProcess, type GatewayProcess } from "../support/process.js";
import { startRedis, type TestRedis } from "../support/redis.js";

const ADMIN = "sk-sluice-workers-admin";
const LIMITED = "sk-sluice-workers-limited";
const FREE = "sk-sluice-workers-free";
const RPM = 10;
const routerModule = fileURLToPath(new URL("../../dist/policy-wasm/router-strong-for-code.wasm", import.meta.url));

const CODE = "Why does this fail?\n```ts\nconst x: number = \"1\";\n```";

function configYaml(redisUrl?: string): string {
  return `
${redisUrl ? `redis: { url: "${redisUrl}" }` : ""}
# fail-closed: a Redis call that times out on a loaded machine refuses (503) rather than count
# locally per worker (fail-open's documented N x the limit while Redis is away).
${redisUrl ? "limits: { redis_fault_mode: fail-closed }" : ""}
admin: { keys: [ { id: ops, hash: "${hashApiKey(ADMIN)}" } ] }
providers:
  - { id: strong, kind: mock }
  - { id: cheap, kind: mock }
  - { id: slow, kind: mock, mock: { chunk_delay_ms: 60 } }
models:
  - alias: chat
    targets: [ { provider: strong, model: mock-lorem }, { provider: cheap, model: mock-echo } ]
pricing:
  mock-lorem: { input_per_mtok: 5, output_per_mtok: 15 }
  mock-echo: { input_per_mtok: 0.15, output_per_mtok: 0.6 }
policies:
  router: { fail: open }
tenants:
  - id: limited
    keys: [ { id: limited-key, hash: "${hashApiKey(LIMITED)}" } ]
    limits: { rpm: ${RPM} }
  - id: free
    keys: [ { id: free-key, hash: "${hashApiKey(FREE)}" } ]
telemetry: { access_log: false }
`;
}

interface Answer {
  status: number;
  worker: string | undefined;
  provider: string | undefined;
  body: string;
}

/** One POST on a connection of its own (so node:cluster may hand it to either worker). */
function post(url: string, path: string, key: string, body: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}${path}`, { method: "POST", agent: false, headers: { "content-type": "application/json", authorization: `Bearer ${key}` } }, (res) => {
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () =>
        resolve({ status: res.statusCode!, worker: res.headers["x-sluice-worker"] as string | undefined, provider: res.headers["x-sluice-provider"] as string | undefined, body: text }),
      );
    });
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

const chat = (url: string, key: string, content = "hello", model = "chat") => post(url, "/v1/chat/completions", key, { model, messages: [{ role: "user", content }] });

/** Asks `times` times, one connection each, until `check` holds for every answer (or the deadline). */
async function eventually(ask: () => Promise<Answer>, check: (a: Answer) => boolean, times = 8, deadlineMs = 5_000): Promise<Answer[]> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const answers: Answer[] = [];
    for (let i = 0; i < times; i++) answers.push(await ask());
    if (answers.every(check) || Date.now() > until) return answers;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const workersOf = (answers: Answer[]) => [...new Set(answers.map((a) => a.worker))].sort();

describe.each([
  ["without Redis (the primary owns the counters, keys and policy versions)", false],
  ["with Redis (shared as replicas share it)", true],
])("sluice serve --workers 2, %s", (_name, withRedis) => {
  let redis: TestRedis | undefined;
  let gw: GatewayProcess;
  /** Requests the rpm test got admitted (both workers answered some): the usage test counts them. */
  let admittedCount = 0;
  const admin = () => createClient(AdminService, createConnectTransport({ baseUrl: gw.url, httpVersion: "1.1" }));
  const asAdmin = { headers: { authorization: `Bearer ${ADMIN}` } };

  beforeAll(async () => {
    if (withRedis) redis = await startRedis();
    const dir = mkdtempSync(join(tmpdir(), "sluice-workers-"));
    const configPath = join(dir, "sluice.yaml");
    writeFileSync(configPath, configYaml(redis?.url));
    gw = await startGatewayProcess(["--config", configPath, "--workers", "2"], {}, { timeoutMs: 45_000 });
  }, 60_000);
  afterAll(async () => {
    if (gw && gw.child.exitCode === null) {
      gw.child.kill("SIGKILL");
      await gw.exited;
    }
    await redis?.stop();
  });

  it("runs two workers behind the one port, each answering with its number", async () => {
    const answers = await Promise.all(Array.from({ length: 6 }, () => chat(gw.url, FREE)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(workersOf(answers)).toEqual(["1", "2"]);
    expect(gw.stdout()).toMatch(/"workers":2,"pids":\[\d+,\d+\][^\n]*"msg":"sluice listening"/);
  });

  it("/metrics counts the requests of both workers, whichever worker answers the scrape", async () => {
    const scrape = () =>
      new Promise<{ worker: string; chat: number }>((resolve, reject) => {
        http.get(`${gw.url}/metrics`, { agent: false }, (res) => {
          let text = "";
          res.on("data", (d) => (text += d));
          res.on("end", () => {
            // The 6 chat requests of the test before, whatever their labels.
            const chat = text
              .split("\n")
              .filter((l) => l.startsWith("sluice_requests_total{") && l.includes('model="chat"'))
              .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
            resolve({ worker: res.headers["x-sluice-worker"] as string, chat });
          });
        }).on("error", reject);
      });
    const scrapes = [await scrape(), await scrape(), await scrape()];
    expect(scrapes.map((s) => s.chat)).toEqual([6, 6, 6]);
    expect([...new Set(scrapes.map((s) => s.worker))].sort()).toEqual(["1", "2"]);
  });

  it(`keeps an rpm limit exact: both workers together admit ${RPM} of ${RPM * 3} concurrent requests`, async () => {
    // Two concurrent waves: the first (under the limit) spreads admissions over both workers
    // whatever their timing; the second races both workers for the last places at the limit.
    const first = await Promise.all(Array.from({ length: RPM - 2 }, () => chat(gw.url, LIMITED)));
    const second = await Promise.all(Array.from({ length: RPM * 3 - (RPM - 2) }, () => chat(gw.url, LIMITED)));
    const answers = [...first, ...second];
    const admitted = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 429);
    // 503: only with Redis (fail-closed), when a call to it timed out on a loaded machine.
    const unavailable = answers.filter((a) => a.status === 503);
    expect(admitted.length + refused.length + unavailable.length, JSON.stringify(answers.filter((a) => ![200, 429, 503].includes(a.status)))).toBe(RPM * 3);
    if (!withRedis) expect(unavailable).toEqual([]);
    // Each worker alone would admit RPM: a per-worker count would let through up to 2 * RPM.
    expect(admitted.length).toBeLessThanOrEqual(RPM);
    if (unavailable.length === 0) expect(admitted.length).toBe(RPM);
    admittedCount = admitted.length;
    expect(workersOf(answers)).toEqual(["1", "2"]);
    expect(workersOf(admitted)).toEqual(["1", "2"]);
    expect(JSON.parse(refused[0]!.body).error.message).toContain("tenant limited rpm");
  });

  it("the usage query counts the requests of both workers", async () => {
    // The admitted requests above (RPM of them): ledger lines with outcome ok, from both workers.
    let ok = 0;
    const until = Date.now() + 5_000;
    while (Date.now() < until) {
      const usage = await admin().getUsage({ tenant: "limited", groupBy: ["tenant"] }, asAdmin);
      const row = usage.rows[0];
      ok = row ? Number(row.requests - row.errors) : 0;
      if (ok >= admittedCount) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(admittedCount).toBeGreaterThan(0);
    expect(ok).toBe(admittedCount);
  });

  it("a policy push through the admin API reaches both workers", { timeout: 60_000 }, async () => {
    // The default router module sends a code prompt to the cheaper target, on both workers.
    const before = await Promise.all(Array.from({ length: 4 }, () => chat(gw.url, FREE, CODE)));
    expect(before.map((a) => a.provider)).toEqual(["cheap", "cheap", "cheap", "cheap"]);
    expect(workersOf(before)).toEqual(["1", "2"]);

    const pushed = await admin().pushPolicy({ slot: "router", module: readFileSync(routerModule), note: "strong for code" }, asAdmin);
    expect(pushed.version?.version).toBe(2);
    // The other worker loads and checks the module when the activation reaches it: on a loaded
    // 2-core machine that can take seconds.
    const policyLines = () => gw.stdout().split("\n").filter((l) => l.includes("polic")).join("\n");
    const after = await eventually(() => chat(gw.url, FREE, CODE), (a) => a.provider === "strong", 8, 20_000);
    expect(after.map((a) => a.provider), policyLines()).toEqual(Array(8).fill("strong"));
    expect(workersOf(after)).toEqual(["1", "2"]);

    await admin().rollbackPolicy({ slot: "router" }, asAdmin);
    const back = await eventually(() => chat(gw.url, FREE, CODE), (a) => a.provider === "cheap", 8, 20_000);
    expect(back.map((a) => a.provider), policyLines()).toEqual(Array(8).fill("cheap"));
    expect(workersOf(back)).toEqual(["1", "2"]);
  });

  it("a key created and then revoked through the admin API is honoured, then refused, by both workers", async () => {
    const made = await admin().createKey({ tenant: "free", id: "free-made" }, asAdmin);
    const usable = await eventually(() => chat(gw.url, made.secret), (a) => a.status === 200);
    expect(usable.map((a) => a.status)).toEqual(Array(8).fill(200));
    expect(workersOf(usable)).toEqual(["1", "2"]);

    await admin().revokeKey({ id: "free-made" }, asAdmin);
    const refused = await eventually(() => chat(gw.url, made.secret), (a) => a.status === 401);
    expect(refused.map((a) => a.status)).toEqual(Array(8).fill(401));
    expect(workersOf(refused)).toEqual(["1", "2"]);
    // A configured key revoked the same way.
    await admin().revokeKey({ id: "free-key" }, asAdmin);
    const config = await eventually(() => chat(gw.url, FREE), (a) => a.status === 401);
    expect(config.map((a) => a.status)).toEqual(Array(8).fill(401));
  });

  it("a worker that dies is restarted, with a log line, and the limits it counted still hold", async () => {
    const pids = JSON.parse(/"pids":(\[[^\]]*\])/.exec(gw.stdout())![1]!) as number[];
    process.kill(pids[1]!, "SIGKILL"); // worker 2
    const until = Date.now() + 15_000;
    while (!/"worker":2[^\n]*"msg":"worker restarted"/.test(gw.stdout()) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(gw.stdout()).toMatch(new RegExp(`"worker":2,"pid":${pids[1]},"code":null,"signal":"SIGKILL"[^\n]*"msg":"worker exited`));
    expect(gw.stdout()).toMatch(/"worker":2[^\n]*"msg":"worker restarted"/);
    // Both workers answer again; the tenant's minute is still used up on both (the counters
    // live in the primary or in Redis, not in the worker that died).
    const answers = await eventually(() => chat(gw.url, LIMITED), (a) => a.status === 429);
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(429));
    expect(workersOf(answers)).toEqual(["1", "2"]);
  }, 30_000);

  it("SIGTERM to the primary drains both workers: a stream in flight on each finishes, then it exits 0", async () => {
    const made = await admin().createKey({ tenant: "free", id: "free-drain" }, asAdmin);
    await eventually(() => chat(gw.url, made.secret), (a) => a.status === 200);
    // Two SDK clients, each with its own connection pool: one stream reaches each worker.
    const stream = async () => {
      const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: made.secret, fetchOptions: { dispatcher: new Agent() } as never, maxRetries: 0 });
      const { data, response } = await client.chat.completions
        .create({ model: "slow/mock-lorem", max_tokens: 30, stream: true, messages: [{ role: "user", content: "a long answer" }] })
        .withResponse();
      const state = { worker: response.headers.get("x-sluice-worker"), chunks: 0, finish: undefined as string | null | undefined, done: false };
      const iterator = data[Symbol.asyncIterator]();
      const read = async (): Promise<boolean> => {
        const next = await iterator.next();
        if (next.done) return false;
        if (next.value.choices[0]?.delta.content) state.chunks++;
        state.finish = next.value.choices[0]?.finish_reason ?? state.finish;
        return true;
      };
      await read(); // the stream is open and answering
      const rest = (async () => {
        while (await read());
        state.done = true;
      })();
      return { state, rest };
    };
    const streams = [await stream(), await stream()];
    expect(streams.map((s) => s.state.worker).sort()).toEqual(["1", "2"]);
    const before = gw.stdout().length;
    gw.child.kill("SIGTERM");
    expect(await gw.exited).toBe(0);
    await Promise.all(streams.map((s) => s.rest));
    for (const { state } of streams) {
      expect(state.done).toBe(true);
      expect(state.finish).toBe("length");
      expect(state.chunks).toBe(30);
    }
    const out = gw.stdout().slice(before);
    expect(out).toMatch(/"signal":"SIGTERM"[^\n]*"msg":"draining every worker"/);
    expect(out).toMatch(/"worker":"1","msg":"worker stopped"/);
    expect(out).toMatch(/"worker":"2","msg":"worker stopped"/);
    expect(out).not.toMatch(/"msg":"worker exited/); // drained, not crashed and restarted
    // Three processes wrote one stdout: every line is still one whole JSON object.
    for (const line of gw.stdout().split("\n").filter(Boolean)) expect(() => JSON.parse(line), line).not.toThrow();
  }, 30_000);
});

describe("sluice serve --workers: bad values", () => {
  it.each([["0"], ["two"], ["1.5"], ["257"]])("refuses --workers %s with a clear message and exit 2", async (value) => {
    const run = runSluice(["serve", "--port", "0", "--workers", value]);
    expect(await run.exited).toBe(2);
    expect(run.err()).toContain(`sluice serve: --workers must be "auto" or an integer from 1 to 256, got "${value}"`);
  });

  it("takes SLUICE_WORKERS when the flag is absent, and refuses a bad one the same way", async () => {
    const run = runSluice(["serve", "--port", "0"], { SLUICE_WORKERS: "many" });
    expect(await run.exited).toBe(2);
    expect(run.err()).toContain('got "many"');
  });
});
