import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "../../src/app/start-gateway.js";
import { startTestGateway } from "../support/gateway.js";
import { startFakeOpenAI, type FakeOpenAI } from "../support/fake-openai.js";

/**
 * Fail-over against real local upstream servers: a primary that breaks in each way, a healthy
 * secondary. The time bounds are the promises (measured as the median of a few tries,
 * so one slow scheduling slice on a busy CI machine does not decide the result).
 */
let primary: FakeOpenAI;
let secondary: FakeOpenAI;
let gateway: RunningGateway;
const TTFT_MS = 300;

beforeAll(async () => {
  primary = await startFakeOpenAI();
  secondary = await startFakeOpenAI();
  const alias = (name: string, model: string) =>
    `  - { alias: ${name}, targets: [ { provider: primary, model: "${model}", timeouts: { first_token_ms: ${TTFT_MS} } }, { provider: secondary, model: echo } ], strategy: ordered }`;
  gateway = await startTestGateway(`
providers:
  - { id: primary, kind: openai, base_url: "${primary.url}" }
  - { id: secondary, kind: openai, base_url: "${secondary.url}" }
  - { id: dead, kind: openai, base_url: "http://127.0.0.1:1/v1" }
models:
${alias("p-503", "status:503")}
${alias("p-429", "status:429")}
${alias("p-hang", "hang")}
${alias("p-reset", "reset")}
  - { alias: p-refused, strategy: ordered, targets: [ { provider: dead, model: x }, { provider: secondary, model: echo } ] }
  - { alias: p-cut, strategy: ordered, targets: [ { provider: primary, model: "cut:works:4" }, { provider: secondary, model: echo } ] }
  - { alias: secondary-only, targets: [ { provider: secondary, model: echo } ] }
  - { alias: breaker, strategy: ordered, targets: [ { provider: dead, model: y }, { provider: secondary, model: echo } ] }
routing:
  retry_budget_min: 1000
  breaker: { consecutive_failures: 4, open_ms: 60000 }
`);
});
afterAll(async () => {
  await gateway.close();
  await primary.close();
  await secondary.close();
});

async function chat(model: string, stream = false): Promise<{ ms: number; status: number; headers: Headers; text: string }> {
  const started = performance.now();
  const res = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, stream, messages: [{ role: "user", content: "fail over" }] }),
  });
  const text = await res.text();
  return { ms: performance.now() - started, status: res.status, headers: res.headers, text };
}

async function medianMs(model: string, tries = 3): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < tries; i++) {
    const r = await chat(model);
    expect(r.status).toBe(200);
    expect(r.headers.get("x-sluice-provider")).toBe("secondary");
    times.push(r.ms);
  }
  return times.sort((a, b) => a - b)[Math.floor(tries / 2)]!;
}

describe("fail-over to a healthy secondary", () => {
  it("primary 5xx, reset or refused: the client gets the secondary's answer, < 500 ms more than the secondary alone", async () => {
    const alone = await medianMs("secondary-only");
    for (const model of ["p-503", "p-reset", "p-refused"]) {
      const cost = await medianMs(model);
      expect(cost - alone, model).toBeLessThan(500);
    }
  });

  it("primary 429 with no retry-after: falls back", async () => {
    const r = await chat("p-429");
    expect(r.status).toBe(200);
    expect(r.headers.get("x-sluice-provider")).toBe("secondary");
  });

  it("primary hangs: costs no more than its first-token timeout + 100 ms", async () => {
    const alone = await medianMs("secondary-only");
    const cost = await medianMs("p-hang");
    expect(cost).toBeGreaterThanOrEqual(TTFT_MS);
    expect(cost - alone).toBeLessThan(TTFT_MS + 100);
  });

  it("primary dies after 3 chunks: the stream ends with an error event, never spliced with the secondary", async () => {
    const r = await chat("p-cut", true);
    expect(r.status).toBe(200);
    expect(r.headers.get("x-sluice-provider")).toBe("primary");
    expect(r.text).toContain('"code":"stream_interrupted"');
    expect(r.text).not.toContain("fail over"); // the secondary's echo never appears
    expect(r.text).not.toContain("[DONE]");
  });

  it("the breaker stops sending traffic to a dead target within its threshold", async () => {
    const attempts: number[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await chat("breaker");
      expect(r.status).toBe(200);
      attempts.push(Number(r.headers.get("x-sluice-attempts")));
    }
    // consecutive_failures: 4 -> two requests (2 attempts at the dead target each) open it;
    // from then on the dead target is skipped and the secondary answers on the first attempt.
    expect(attempts.slice(0, 2)).toEqual([3, 3]);
    expect(attempts.slice(2)).toEqual([1, 1, 1, 1]);
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toMatch(/sluice_circuit_breaker_state\{provider="dead",model="y"\} 2/);
    expect(metrics).toMatch(/sluice_fallbacks_total\{model="breaker"\} 2/);
  });
});
