import http from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "../../src/app/start-gateway.js";
import { startTestGateway } from "../support/gateway.js";
import { listenLoopback, sendJson } from "../support/fake-upstream.js";

/**
 * Issue 21, item 2: a half-open breaker whose probe is refused by the provider (400) or
 * abandoned by its caller must not stay half-open. A scripted OpenAI-compatible upstream: what
 * it answers is switched by the test between requests.
 */
type Mode = "fail" | "reject" | "hang" | "ok";
let mode: Mode = "fail";
let received = 0;
let upstream: { origin: string; close(): Promise<void> };
let gateway: RunningGateway;
const OPEN_MS = 200;

beforeAll(async () => {
  const server = http.createServer(async (req, res) => {
    for await (const _ of req);
    received++;
    if (mode === "fail") return sendJson(res, 500, JSON.stringify({ error: { message: "fake upstream broke", type: "server_error" } }));
    if (mode === "reject") return sendJson(res, 400, JSON.stringify({ error: { message: "fake upstream: bad request", type: "invalid_request_error" } }));
    if (mode === "hang") return; // answers nothing until the gateway goes away
    const answer = { id: "c1", object: "chat.completion", created: 1, model: "m", choices: [{ index: 0, message: { role: "assistant", content: "fine" }, finish_reason: "stop" }] };
    sendJson(res, 200, JSON.stringify({ ...answer, usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }));
  });
  upstream = await listenLoopback(server);
  gateway = await startTestGateway(`
providers:
  - { id: flaky, kind: openai, base_url: "${upstream.origin}/v1" }
routing:
  retries_per_target: 0
  retry_budget_min: 1000
  breaker: { consecutive_failures: 3, open_ms: ${OPEN_MS} }
`);
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

async function chat(model: string, signal?: AbortSignal): Promise<{ status: number; code: string | undefined }> {
  const res = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hello" }] }),
    ...(signal ? { signal } : {}),
  });
  const body = (await res.json()) as { error?: { code?: string } };
  return { status: res.status, code: body.error?.code };
}

/** Three 500s open the target's breaker; the next request is refused without reaching the upstream. */
async function openBreaker(model: string): Promise<void> {
  mode = "fail";
  for (let i = 0; i < 3; i++) expect((await chat(model)).status).toBe(502);
  const before = received;
  expect(await chat(model)).toEqual({ status: 502, code: "upstream_unavailable" });
  expect(received).toBe(before);
  await sleep(OPEN_MS + 50);
}

describe("half-open breaker: every probe outcome resolves it", () => {
  it("a probe answered 400 by the upstream closes the breaker; later requests reach the upstream", async () => {
    const model = "flaky/model-a";
    await openBreaker(model);
    mode = "reject";
    expect(await chat(model)).toEqual({ status: 400, code: "upstream_rejected" });
    mode = "ok";
    expect((await chat(model)).status).toBe(200);
    expect((await chat(model)).status).toBe(200);
  });

  it("a probe abandoned by its client releases the probe; the next request probes and closes it", async () => {
    const model = "flaky/model-b";
    await openBreaker(model);
    mode = "hang";
    const before = received;
    const abort = new AbortController();
    const abandoned = chat(model, abort.signal).catch((err: Error) => err);
    while (received === before) await sleep(5); // the probe reached the upstream
    abort.abort();
    expect(await abandoned).toBeInstanceOf(Error);
    mode = "ok";
    let status = 0;
    // The gateway sees the client's disconnect asynchronously: allow it a moment.
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await chat(model)).status;
      if (status !== 200) await sleep(20);
    }
    expect(status).toBe(200);
    expect((await chat(model)).status).toBe(200);
  });
});
