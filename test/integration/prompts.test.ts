import { mkdtempSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "ioredis";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "../../src/app/start-gateway.js";
import { LocalPromptStore, RedisPromptStore } from "../../src/prompts/index.js";
import { startFakeOpenAI, type FakeOpenAI } from "../support/fake-openai.js";
import { startTestGateway } from "../support/gateway.js";
import { ledgerRecords } from "../support/ledger.js";
import { useRedis } from "../support/use-redis.js";

const example = await readFile(new URL("../fixtures/prompts/support-answer.yaml", import.meta.url), "utf8");
const v2 = example.replace("Answer in {{language}}.", "Answer in {{language}}, briefly.");

let upstream: FakeOpenAI;
beforeAll(async () => (upstream = await startFakeOpenAI()));
afterAll(async () => upstream.close());

const config = (extra = "") => `
providers:
  - { id: fake, kind: openai, base_url: "${upstream.url}", api_key: sk-upstream }
models:
  - { alias: chat, targets: [ { provider: fake, model: echo } ] }
  - { alias: other, targets: [ { provider: fake, model: echo } ] }
${extra}`;

/** A chat request naming a prompt (the SDK passes body fields it does not know through). */
function promptRequest(prompt: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { prompt, ...extra } as unknown as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;
}

async function served(client: OpenAI, prompt: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<string> {
  const { response } = await client.chat.completions.create(promptRequest(prompt, extra)).withResponse();
  return response.headers.get("x-sluice-prompt")!;
}

describe("prompt templates through the gateway (data dir)", () => {
  let gateway: RunningGateway;
  let client: OpenAI;
  let store: LocalPromptStore;
  const dataDir = mkdtempSync(join(tmpdir(), "sluice-prompts-it-"));

  beforeAll(async () => {
    gateway = await startTestGateway(`data_dir: ${dataDir}\n${config()}`);
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
    store = new LocalPromptStore(dataDir); // the same files the gateway reads (an operator's push)
    await store.push(example);
    await store.push(v2);
  });
  afterAll(async () => {
    await gateway.close();
    await store.close();
  });

  it("renders the template: its messages, then the request's; its model and params as defaults", async () => {
    const before = upstream.requests.length;
    const { data, response } = await client.chat.completions
      .create(promptRequest({ id: "support-answer", version: 1, variables: { company: "Acme", question: "Where is my order?" } }, { messages: [{ role: "user", content: "It was order 42." }] }))
      .withResponse();
    expect(response.headers.get("x-sluice-prompt")).toBe("support-answer@1");
    expect(data.choices[0]!.message.content).toBe("It was order 42."); // echo answers the last user message
    const sent = upstream.requests.slice(before).at(-1)!.body;
    expect(sent.messages).toEqual([
      { role: "system", content: "You are Acme's support assistant. Answer in English." },
      { role: "user", content: "Where is my order?" },
      { role: "user", content: "It was order 42." },
    ]);
    expect(sent.temperature).toBe(0.2);
    expect(sent.max_completion_tokens ?? sent.max_tokens).toBe(300);
  });

  it("counts the tokens of the rendered prompt (/v1/tokens/count)", async () => {
    const count = async (variables: Record<string, string>) => {
      const res = await fetch(`${gateway.url}/v1/tokens/count`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt: { id: "support-answer", version: 1, variables } }) });
      expect(res.status).toBe(200);
      return ((await res.json()) as { input_tokens: number }).input_tokens;
    };
    const short = await count({ company: "A", question: "q" });
    expect(short).toBeGreaterThan(10); // the template's system message counts
    expect(await count({ company: "A", question: "q ".repeat(50) })).toBeGreaterThan(short + 40);
  });

  it("the request's own model and params win over the template's", async () => {
    const before = upstream.requests.length;
    await client.chat.completions.create(promptRequest({ id: "support-answer", version: 2, variables: { company: "A", question: "q", language: "French" } }, { model: "other", temperature: 0.9 }));
    const sent = upstream.requests.slice(before).at(-1)!.body;
    expect(sent.temperature).toBe(0.9);
    expect(sent.messages[0].content).toBe("You are A's support assistant. Answer in French, briefly.");
  });

  it("refuses a missing required variable and an unknown one with 400 naming it", async () => {
    const missing = await client.chat.completions.create(promptRequest({ id: "support-answer", variables: { company: "Acme" } })).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(OpenAI.BadRequestError);
    expect((missing as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("prompt.variables.question");
    const unknown = await client.chat.completions.create(promptRequest({ id: "support-answer", variables: { company: "A", question: "q", tone: "warm" } })).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(OpenAI.BadRequestError);
    expect((unknown as InstanceType<typeof OpenAI.BadRequestError>).message).toMatch(/no variable `tone`/);
    const noPrompt = await client.chat.completions.create(promptRequest({ id: "nope" })).catch((e: unknown) => e);
    expect(noPrompt).toBeInstanceOf(OpenAI.BadRequestError);
    expect((noPrompt as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("prompt.id");
  });

  it("with no label or version: the latest version; then the production label, split 90/10, sticky per user", async () => {
    expect(await served(client, { id: "support-answer", variables: { company: "A", question: "q" } })).toBe("support-answer@2");
    await store.setLabel("support-answer", "production", [{ version: 1, weight: 90 }, { version: 2, weight: 10 }]);
    // The gateway's library re-reads the label within its refresh time (2 s).
    await expect.poll(() => served(client, { id: "support-answer", variables: { company: "A", question: "q" } }, { user: "u-first" }), { timeout: 5_000 }).toMatch(/@1$|@2$/);
    await new Promise((r) => setTimeout(r, 2_100));
    const n = 300;
    const byUser = new Map<string, string>();
    for (let i = 0; i < n; i++) byUser.set(`user-${i}`, await served(client, { id: "support-answer", label: "production", variables: { company: "A", question: "q" } }, { user: `user-${i}` }));
    const twos = [...byUser.values()].filter((v) => v === "support-answer@2").length;
    const sd = Math.sqrt(n * 0.1 * 0.9);
    expect(Math.abs(twos - n * 0.1)).toBeLessThan(4 * sd);
    for (const user of ["user-1", "user-7", "user-42", "user-123"]) {
      for (let j = 0; j < 3; j++) expect(await served(client, { id: "support-answer", label: "production", variables: { company: "A", question: "q" } }, { user })).toBe(byUser.get(user));
    }
  });

  it("rollback puts the label's previous assignment back", async () => {
    await store.setLabel("support-answer", "staging", [{ version: 1, weight: 1 }]);
    await store.setLabel("support-answer", "staging", [{ version: 2, weight: 1 }]);
    const ask = () => served(client, { id: "support-answer", label: "staging", variables: { company: "A", question: "q" } });
    await expect.poll(ask, { timeout: 5_000 }).toBe("support-answer@2");
    await store.rollback("support-answer", "staging");
    await expect.poll(ask, { timeout: 5_000 }).toBe("support-answer@1");
  });

  it("streams with the x-sluice-prompt header, and the ledger records prompt id and version", async () => {
    const stream = await client.chat.completions
      .create({ ...promptRequest({ id: "support-answer", version: 1, variables: { company: "A", question: "streamed" } }), stream: true } as unknown as OpenAI.Chat.ChatCompletionCreateParamsStreaming)
      .withResponse();
    expect(stream.response.headers.get("x-sluice-prompt")).toBe("support-answer@1");
    let text = "";
    for await (const chunk of stream.data) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("streamed");
    await expect.poll(async () => (await ledgerRecords(dataDir)).filter((r) => r.prompt?.id === "support-answer" && r.prompt.version === 1).length).toBeGreaterThan(0);
  });
});

describe("two replicas on one Redis", () => {
  let redis: Redis;
  useRedis((started) => ({ redis } = started));
  let a: RunningGateway;
  let b: RunningGateway;

  beforeAll(async () => {
    const url = `redis://127.0.0.1:${redis.options.port}`;
    a = await startTestGateway(config(`redis: { url: "${url}" }`));
    b = await startTestGateway(config(`redis: { url: "${url}" }`));
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it("one push and one label reach both", async () => {
    const clientA = new OpenAI({ baseURL: `${a.url}/v1`, apiKey: "unused", maxRetries: 0 });
    const clientB = new OpenAI({ baseURL: `${b.url}/v1`, apiKey: "unused", maxRetries: 0 });
    const ask = (c: OpenAI) => served(c, { id: "support-answer", variables: { company: "A", question: "q" } });
    const pusher = await RedisPromptStore.connect(redis);
    try {
      await pusher.push(example);
      expect(await ask(clientA)).toBe("support-answer@1");
      expect(await ask(clientB)).toBe("support-answer@1");
      await pusher.push(v2);
      // Both replicas cached version 1 as "latest": the change notice reaches each of them.
      await expect.poll(() => ask(clientA), { timeout: 1_500 }).toBe("support-answer@2");
      await expect.poll(() => ask(clientB), { timeout: 1_500 }).toBe("support-answer@2");
      await pusher.setLabel("support-answer", "production", [{ version: 1, weight: 1 }]);
      await expect.poll(() => ask(clientA), { timeout: 1_500 }).toBe("support-answer@1");
      await expect.poll(() => ask(clientB), { timeout: 1_500 }).toBe("support-answer@1");
    } finally {
      await pusher.close();
    }
  });
});
