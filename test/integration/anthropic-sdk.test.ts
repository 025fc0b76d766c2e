import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Anthropic from "@anthropic-ai/sdk";
import { hashApiKey } from "../../src/limits/keys.js";
import type { RunningGateway } from "../../src/app/start-gateway.js";
import { startTestGateway } from "../support/gateway.js";
import { ledgerRecords } from "../support/ledger.js";
import { fixtureText, startFakeOpenAI, type FakeOpenAI } from "../support/fake-openai.js";
import { startFakeAnthropic, type FakeAnthropic } from "../support/fake-anthropic.js";

/**
 * The official Anthropic SDK against the gateway's Anthropic-compatible surface, answered by
 * the mock provider, by an OpenAI-format upstream replaying recorded traffic, and by an
 * Anthropic-format upstream replaying recorded traffic (thinking blocks included).
 */
const KEY = "sk-sluice-anthropic-surface-key";
const LIMITED_KEY = "sk-sluice-anthropic-limited-key";
const MAX_BODY = 64 * 1024;

const anthropicFixtures = fileURLToPath(new URL("../fixtures/anthropic/", import.meta.url));
const anthropicExpected = (name: string) => JSON.parse(readFileSync(`${anthropicFixtures}${name}.expected.json`, "utf8")).derived_by_corpus_builder;

let openai: FakeOpenAI;
let anthropic: FakeAnthropic;
let gateway: RunningGateway;
let client: Anthropic;
const dataDir = mkdtempSync(join(tmpdir(), "sluice-anthropic-"));

beforeAll(async () => {
  openai = await startFakeOpenAI();
  anthropic = await startFakeAnthropic();
  gateway = await startTestGateway(`
data_dir: "${dataDir}"
server: { max_body_bytes: ${MAX_BODY} }
providers:
  - { id: mock, kind: mock }
  - { id: oai, kind: openai, base_url: "${openai.url}", api_key: sk-upstream-openai }
  - { id: claude, kind: anthropic, base_url: "${anthropic.url}", api_key: sk-ant-upstream, reasoning: pass }
models:
  - { alias: mock-echo, targets: [ { provider: mock, model: mock-echo } ] }
  - { alias: gpt-echo, targets: [ { provider: oai, model: echo } ] }
  - { alias: gpt-recorded, targets: [ { provider: oai, model: "fixture:works" } ] }
  - { alias: gpt-tools, targets: [ { provider: oai, model: "fixture:tool_calls" } ] }
  - { alias: gpt-broken, targets: [ { provider: oai, model: "cut:works:4" } ] }
  - { alias: claude-echo, targets: [ { provider: claude, model: echo } ] }
  - { alias: claude-thinking, targets: [ { provider: claude, model: "fixture:stream-a-refusal" } ] }
  - { alias: claude-tools, targets: [ { provider: claude, model: "fixture:tool_use_response" } ] }
tenants:
  - id: acme
    keys: [ { id: acme-sdk, hash: "${hashApiKey(KEY)}" } ]
  - id: tiny
    keys: [ { id: tiny-sdk, hash: "${hashApiKey(LIMITED_KEY)}" } ]
    limits: { rpm: 1 }
`);
  client = new Anthropic({ baseURL: gateway.url, apiKey: KEY, maxRetries: 0 });
});

afterAll(async () => {
  await gateway.close();
  await openai.close();
  await anthropic.close();
});

describe("Claude SDK -> gateway -> mock provider", () => {
  it("messages.create answers in Anthropic's message shape, with the gateway's headers", async () => {
    const { data: message, response } = await client.messages
      .create({ model: "mock-echo", max_tokens: 100, messages: [{ role: "user", content: "three little words" }] })
      .withResponse();
    expect(message).toMatchObject({ type: "message", role: "assistant", model: "mock-echo", stop_reason: "end_turn", stop_sequence: null });
    expect(message.content).toEqual([{ type: "text", text: "three little words" }]);
    expect(message.usage).toMatchObject({ input_tokens: 3, output_tokens: 3, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });
    expect(response.headers.get("x-sluice-provider")).toBe("mock");
    expect(response.headers.get("request-id")).toBe(response.headers.get("x-request-id"));
  });

  it("messages.stream sends Anthropic's event sequence and assembles the final message", async () => {
    const stream = client.messages.stream({ model: "mock-echo", max_tokens: 100, messages: [{ role: "user", content: "stream me please" }] });
    const events: string[] = [];
    let text = "";
    stream.on("streamEvent", (event) => events.push(event.type));
    stream.on("text", (delta) => (text += delta));
    const final = await stream.finalMessage();
    expect(text).toBe("stream me please");
    expect(final.content).toEqual([{ type: "text", text: "stream me please" }]);
    expect(final.stop_reason).toBe("end_turn");
    // message_delta carries the whole usage: the SDK takes input tokens from it too.
    expect(final.usage).toMatchObject({ input_tokens: 3, output_tokens: 3 });
    expect(events[0]).toBe("message_start");
    expect(events[1]).toBe("content_block_start");
    expect(events.filter((e) => e === "content_block_delta").length).toBe(3); // one per word
    expect(events.slice(-3)).toEqual(["content_block_stop", "message_delta", "message_stop"]);
  });

  it("sends a ping after message_start, as Anthropic does (raw SSE)", async () => {
    const res = await fetch(`${gateway.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": KEY, "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ model: "mock-echo", max_tokens: 10, stream: true, messages: [{ role: "user", content: "hi there" }] }),
    });
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const names = [...(await res.text()).matchAll(/^event: (\S+)$/gm)].map((m) => m[1]);
    expect(names).toEqual([
      "message_start",
      "ping",
      "content_block_start",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
  });

  it("round-trips a tool call: tool_use streamed with input_json_delta, the tool_result sent back as a tool message", async () => {
    const tools: Anthropic.Tool[] = [{ name: "lookup", description: "Looks a word up", input_schema: { type: "object", properties: { text: { type: "string" } } } }];
    const question: Anthropic.MessageParam = { role: "user", content: "define sluice" };
    const stream = client.messages.stream({ model: "mock-echo", max_tokens: 100, tools, tool_choice: { type: "any" }, messages: [question] });
    const jsonPieces: string[] = [];
    stream.on("inputJson", (piece) => jsonPieces.push(piece));
    const first = await stream.finalMessage();
    expect(first.stop_reason).toBe("tool_use");
    const use = first.content.find((b) => b.type === "tool_use") as Anthropic.ToolUseBlock;
    expect(use).toMatchObject({ type: "tool_use", name: "lookup", input: { text: "define sluice" } });
    expect(jsonPieces.join("")).toBe('{"text":"define sluice"}');

    // The second turn goes to an OpenAI-format upstream: the result arrives there as a tool message.
    const second = await client.messages.create({
      model: "gpt-echo",
      max_tokens: 100,
      tools,
      messages: [question, { role: "assistant", content: first.content }, { role: "user", content: [{ type: "tool_result", tool_use_id: use.id, content: "a gate for water" }] }],
    });
    expect(second.stop_reason).toBe("end_turn");
    const sent = openai.requests.at(-1)!.body;
    expect(sent.messages.slice(1)).toEqual([
      { role: "assistant", content: null, tool_calls: [{ id: use.id, type: "function", function: { name: "lookup", arguments: '{"text":"define sluice"}' } }] },
      { role: "tool", tool_call_id: use.id, content: "a gate for water" },
    ]);
    expect(sent.tools).toEqual([{ type: "function", function: { name: "lookup", description: "Looks a word up", parameters: tools[0]!.input_schema } }]);
  });

  it("counts tokens (messages.countTokens) as the OpenAI surface's token count does", async () => {
    const messages: Anthropic.MessageParam[] = [{ role: "user", content: "how many tokens is this sentence?" }];
    const counted = await client.messages.countTokens({ model: "gpt-echo", system: "Be brief.", messages });
    const reference = await fetch(`${gateway.url}/v1/tokens/count`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ model: "gpt-echo", messages: [{ role: "system", content: "Be brief." }, ...messages] }),
    }).then((r) => r.json() as Promise<{ input_tokens: number }>);
    expect(counted.input_tokens).toBeGreaterThan(5);
    expect(counted.input_tokens).toBe(reference.input_tokens);
  });

  it("lists models in Anthropic's shape, page by page", async () => {
    const ids: string[] = [];
    for await (const model of client.models.list({ limit: 3 })) {
      expect(model.type).toBe("model");
      ids.push(model.id);
    }
    expect(ids).toEqual(expect.arrayContaining(["mock-echo", "gpt-echo", "claude-tools"]));
    expect(new Set(ids).size).toBe(ids.length);
    const one = await client.models.retrieve("gpt-echo");
    expect(one).toMatchObject({ type: "model", id: "gpt-echo", display_name: "gpt-echo" });
    // Without anthropic-version, /v1/models stays OpenAI's.
    const openaiShape = (await fetch(`${gateway.url}/v1/models`, { headers: { authorization: `Bearer ${KEY}` } }).then((r) => r.json())) as { object: string };
    expect(openaiShape.object).toBe("list");
  });

  it("authenticates with Authorization: Bearer (authToken) as well as x-api-key", async () => {
    const bearer = new Anthropic({ baseURL: gateway.url, apiKey: null, authToken: KEY, maxRetries: 0 });
    const message = await bearer.messages.create({ model: "mock-echo", max_tokens: 10, messages: [{ role: "user", content: "bearer works" }] });
    expect(message.content).toEqual([{ type: "text", text: "bearer works" }]);
  });

  it("goes through the same pipeline: ledger line and surface label", async () => {
    await client.messages.create({ model: "mock-echo", max_tokens: 10, metadata: { user_id: "user-42" }, messages: [{ role: "user", content: "ledger me" }] });
    await gateway.gateway.flushLedger();
    const records = (await ledgerRecords(dataDir)).filter((r) => r.keyId === "acme-sdk" && r.modelRequested === "mock-echo");
    expect(records.length).toBeGreaterThan(0);
    expect(records.at(-1)).toMatchObject({ tenant: "acme", provider: "mock", outputTokens: 2 });
    const metrics = await fetch(`${gateway.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/sluice_requests_total\{[^}]*surface="anthropic"/);
  });
});

describe("Claude SDK -> gateway -> OpenAI-format upstream (recorded)", () => {
  it("replays a recorded OpenAI stream as Anthropic events", async () => {
    const expected = JSON.parse(fixtureText("works.expected.json")).derived_by_corpus_builder;
    const final = await client.messages.stream({ model: "gpt-recorded", max_tokens: 100, messages: [{ role: "user", content: "replay" }] }).finalMessage();
    expect(final.content).toEqual([{ type: "text", text: expected.choices[0].content }]);
    expect(final.stop_reason).toBe("end_turn");
    expect(final.usage).toMatchObject({ input_tokens: expected.usage.prompt_tokens, output_tokens: expected.usage.completion_tokens });
  });

  it("turns recorded parallel tool calls into tool_use blocks, streamed and whole", async () => {
    const expected = JSON.parse(fixtureText("tool_calls.expected.json")).derived_by_corpus_builder;
    const tools: Anthropic.Tool[] = [
      { name: "get_weather", input_schema: { type: "object" } },
      { name: "get_time", input_schema: { type: "object" } },
    ];
    const streamed = await client.messages.stream({ model: "gpt-tools", max_tokens: 100, tools, messages: [{ role: "user", content: "weather and time?" }] }).finalMessage();
    const wanted = expected.choices[0].tool_calls.map((c: any) => ({ type: "tool_use", id: c.id, name: c.name, input: JSON.parse(c.arguments) }));
    expect(streamed.content).toEqual(wanted);
    expect(streamed.stop_reason).toBe("tool_use");
    // cached tokens leave input_tokens again: Anthropic counts them apart.
    expect(streamed.usage).toMatchObject({
      input_tokens: expected.usage.prompt_tokens - expected.usage.cached_tokens,
      cache_read_input_tokens: expected.usage.cached_tokens,
      output_tokens: expected.usage.completion_tokens,
    });
    expect(openai.requests.at(-1)!.body.tools.map((t: any) => t.function.name)).toEqual(["get_weather", "get_time"]);
  });

  it("sends the system prompt, multi-turn history, images and sampling parameters to the OpenAI upstream", async () => {
    await client.messages.create({
      model: "gpt-echo",
      max_tokens: 77,
      system: [{ type: "text", text: "You are terse." }],
      // Sampling parameters of the API's earlier models (no longer in this SDK's types; older clients send them).
      ...({ temperature: 0.3, top_p: 0.8 } as object),
      stop_sequences: ["END"],
      metadata: { user_id: "user-7" },
      output_config: { effort: "low", format: { type: "json_schema", schema: { type: "object", properties: { answer: { type: "string" } } } } },
      messages: [
        { role: "user", content: "first" },
        { role: "assistant", content: "ok" },
        {
          role: "user",
          content: [
            { type: "text", text: "what is in these?" },
            { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
            { type: "image", source: { type: "url", url: "https://example.com/cat.jpg" } },
          ],
        },
      ],
    });
    const sent = openai.requests.at(-1)!.body;
    expect(sent).toMatchObject({ temperature: 0.3, top_p: 0.8, stop: ["END"], user: "user-7", reasoning_effort: "low" });
    expect(sent.response_format).toEqual({ type: "json_schema", json_schema: { name: "output", schema: { type: "object", properties: { answer: { type: "string" } } } } });
    expect(sent.max_tokens ?? sent.max_completion_tokens).toBe(77);
    expect(sent.messages[0]).toEqual({ role: "system", content: "You are terse." });
    expect(sent.messages[1]).toMatchObject({ role: "user", content: "first" });
    expect(sent.messages[2]).toMatchObject({ role: "assistant", content: "ok" });
    expect(sent.messages[3].content).toEqual([
      { type: "text", text: "what is in these?" },
      { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
      { type: "image_url", image_url: { url: "https://example.com/cat.jpg" } },
    ]);
  });
});

describe("Claude SDK -> gateway -> Anthropic-format upstream (recorded)", () => {
  it("passes thinking blocks through with their signature (stream)", async () => {
    const expected = anthropicExpected("stream-a-refusal").message;
    const thinking: string[] = [];
    const stream = client.messages.stream({ model: "claude-thinking", max_tokens: 2000, thinking: { type: "enabled", budget_tokens: 1024 }, messages: [{ role: "user", content: "eclipse?" }] });
    stream.on("thinking", (delta) => thinking.push(delta));
    const final = await stream.finalMessage();
    expect(final.content).toEqual(expected.content);
    expect(thinking.join("")).toBe(expected.content[0].thinking);
    expect(final.stop_reason).toBe("refusal");
    expect(final.usage).toMatchObject({ input_tokens: expected.usage.input_tokens, output_tokens: expected.usage.output_tokens, output_tokens_details: { thinking_tokens: 67 } });
    expect(anthropic.requests.at(-1)!.body).toMatchObject({ stream: true, thinking: { type: "enabled", budget_tokens: 1024 }, max_tokens: 2000 });
  });

  it("passes thinking blocks through whole, and sends them back signed in the next turn", async () => {
    const expected = anthropicExpected("stream-a-refusal").message;
    const whole = await client.messages.create({ model: "claude-thinking", max_tokens: 2000, messages: [{ role: "user", content: "eclipse?" }] });
    expect(whole.content).toEqual(expected.content);
    expect(whole.stop_reason).toBe("refusal");

    await client.messages.create({
      model: "claude-echo",
      max_tokens: 2000,
      ...({ top_k: 7 } as object),
      thinking: { type: "enabled", budget_tokens: 1024 },
      messages: [
        { role: "user", content: "eclipse?" },
        { role: "assistant", content: expected.content },
        { role: "user", content: "and a lunar one?" },
      ],
    });
    const sent = anthropic.requests.at(-1)!.body;
    expect(sent.top_k).toBe(7);
    expect(sent.messages[1]).toEqual({ role: "assistant", content: expected.content });
  });

  it("carries a failed tool result's is_error to an Anthropic upstream", async () => {
    await client.messages.create({
      model: "claude-echo",
      max_tokens: 100,
      tools: [{ name: "get_weather", input_schema: { type: "object" } }],
      messages: [
        { role: "user", content: "weather in Paris?" },
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_w", name: "get_weather", input: { city: "Paris" } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_w", content: "weather service unreachable", is_error: true }] },
      ],
    });
    expect(anthropic.requests.at(-1)!.body.messages[2]).toEqual({
      role: "user",
      content: [{ type: "tool_result", tool_use_id: "toolu_w", content: "weather service unreachable", is_error: true }],
    });
  });

  it("carries cache_control breakpoints to an Anthropic upstream, so prompt caching works through the gateway", async () => {
    await client.messages.create({
      model: "claude-echo",
      max_tokens: 100,
      system: [{ type: "text", text: "A long product manual.", cache_control: { type: "ephemeral", ttl: "1h" } }],
      tools: [{ name: "lookup", input_schema: { type: "object" }, cache_control: { type: "ephemeral" } }],
      messages: [{ role: "user", content: [{ type: "text", text: "A long document.", cache_control: { type: "ephemeral" } }, { type: "text", text: "Summarise it." }] }],
    });
    const sent = anthropic.requests.at(-1)!.body;
    expect(sent.system).toEqual([{ type: "text", text: "A long product manual.", cache_control: { type: "ephemeral", ttl: "1h" } }]);
    expect(sent.tools[0].cache_control).toEqual({ type: "ephemeral" });
    expect(sent.messages[0].content).toEqual([
      { type: "text", text: "A long document.", cache_control: { type: "ephemeral" } },
      { type: "text", text: "Summarise it." },
    ]);
  });

  it("answers recorded tool use whole (text + tool_use blocks)", async () => {
    const message = await client.messages.create({
      model: "claude-tools",
      max_tokens: 1024,
      tools: [{ name: "get_weather", input_schema: { type: "object", properties: { location: { type: "string" } } } }],
      tool_choice: { type: "tool", name: "get_weather", disable_parallel_tool_use: true },
      messages: [{ role: "user", content: "weather in Paris?" }],
    });
    expect(message.content).toEqual([
      { type: "text", text: "I'll check the current weather in Paris for you." },
      { type: "tool_use", id: "toolu_01NRLabsLyVHZPKxbKvkfSMn", name: "get_weather", input: { location: "Paris" } },
    ]);
    expect(message.stop_reason).toBe("tool_use");
    expect(anthropic.requests.at(-1)!.body.tool_choice).toEqual({ type: "tool", name: "get_weather", disable_parallel_tool_use: true });
  });
});

describe("errors in Anthropic's shape", () => {
  it("401 authentication_error for a wrong key, before the body is read", async () => {
    const stranger = new Anthropic({ baseURL: gateway.url, apiKey: "sk-not-a-key", maxRetries: 0 });
    const err = await stranger.messages.create({ model: "mock-echo", max_tokens: 10, messages: [{ role: "user", content: "x" }] }).catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(err.status).toBe(401);
    expect(err.error).toMatchObject({ type: "error", error: { type: "authentication_error" } });
    expect(err.requestID).toMatch(/.+/);
  });

  it("404 not_found_error for an unknown model", async () => {
    const err = await client.messages.create({ model: "no-such-model", max_tokens: 10, messages: [{ role: "user", content: "x" }] }).catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.NotFoundError);
    expect(err.error).toMatchObject({ type: "error", error: { type: "not_found_error" } });
  });

  it("400 invalid_request_error for malformed JSON and for a missing max_tokens", async () => {
    const res = await fetch(`${gateway.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": KEY, "anthropic-version": "2023-06-01" },
      body: '{"model": "mock-echo", "messages": [',
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { message: string } };
    expect(body).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
    expect(body.error.message).toMatch(/not valid JSON/);

    const err = await client.messages.create({ model: "mock-echo", messages: [{ role: "user", content: "x" }] } as never).catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect(err.error.error.message).toMatch(/max_tokens/);
  });

  it("400 for a content block the gateway cannot carry, naming it", async () => {
    const err = await client.messages
      .create({ model: "mock-echo", max_tokens: 10, messages: [{ role: "user", content: [{ type: "document", source: { type: "text", media_type: "text/plain", data: "doc" } }] }] })
      .catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect(err.error.error.message).toMatch(/messages\.0\.content\.0\.type.*document/);
  });

  it("413 request_too_large over server.max_body_bytes", async () => {
    const err = await client.messages.create({ model: "mock-echo", max_tokens: 10, messages: [{ role: "user", content: "x".repeat(MAX_BODY + 1) }] }).catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(err.status).toBe(413);
    expect(err.error).toMatchObject({ type: "error", error: { type: "request_too_large" } });
  });

  it("429 rate_limit_error with retry-after over the tenant's rpm", async () => {
    const limited = new Anthropic({ baseURL: gateway.url, apiKey: LIMITED_KEY, maxRetries: 0 });
    const ask = () => limited.messages.create({ model: "mock-echo", max_tokens: 10, messages: [{ role: "user", content: "again" }] });
    await ask();
    const err = await ask().catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    expect(err.error).toMatchObject({ type: "error", error: { type: "rate_limit_error" } });
    expect(Number(err.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("a stream that breaks after its first events ends with an error event the SDK raises", async () => {
    const stream = client.messages.stream({ model: "gpt-broken", max_tokens: 10, messages: [{ role: "user", content: "x" }] });
    let text = "";
    stream.on("text", (delta) => (text += delta));
    const err = await stream.finalMessage().catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(err.error).toMatchObject({ type: "error", error: { type: "api_error" } });
    expect(text.length).toBeGreaterThan(0);
  });

  it("an error before a stream's first event keeps its HTTP status", async () => {
    const err = await client.messages.stream({ model: "no-such-model", max_tokens: 10, messages: [{ role: "user", content: "x" }] }).finalMessage().catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.NotFoundError);
  });

  it("405 and 404 for the wrong method and an unknown /v1/messages path, in Anthropic's shape", async () => {
    const wrongMethod = await fetch(`${gateway.url}/v1/messages`, { headers: { "x-api-key": KEY } });
    expect(wrongMethod.status).toBe(405);
    expect(await wrongMethod.json()).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
    const unknown = await fetch(`${gateway.url}/v1/messages/batches`, { method: "POST", headers: { "x-api-key": KEY } });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ type: "error", error: { type: "not_found_error" } });
  });
});

describe("Claude SDK with the pii slot and the response cache", () => {
  let policed: RunningGateway;
  let claude: Anthropic;
  const EMAIL = "jane.doe@example.com";

  beforeAll(async () => {
    policed = await startTestGateway(`
providers:
  - { id: claude, kind: anthropic, base_url: "${anthropic.url}", api_key: sk-ant-upstream }
models:
  - { alias: claude-echo, targets: [ { provider: claude, model: echo } ] }
policies:
  pii:
    actions: { EMAIL_ADDRESS: placeholder, AWS_ACCESS_KEY: block }
cache: { exact: { ttl_s: 60 } }
`);
    claude = new Anthropic({ baseURL: policed.url, apiKey: "unused-without-keys", maxRetries: 0 });
  });
  afterAll(() => policed.close());

  it("sends placeholders upstream and restores them in whole and streamed answers", async () => {
    const prompt = `write to ${EMAIL} today`;
    const whole = await claude.messages.create({ model: "claude-echo", max_tokens: 50, messages: [{ role: "user", content: prompt }] });
    const sent = JSON.stringify(anthropic.requests.at(-1)!.body.messages);
    expect(sent).not.toContain(EMAIL);
    expect(sent).toMatch(/<EMAIL_ADDRESS_1>|<EMAIL_1>/);
    expect(whole.content).toEqual([{ type: "text", text: prompt }]);

    const streamed = await claude.messages.stream({ model: "claude-echo", max_tokens: 50, messages: [{ role: "user", content: `streamed: ${prompt}` }] }).finalMessage();
    expect(streamed.content).toEqual([{ type: "text", text: `streamed: ${prompt}` }]);
  });

  it("refuses a blocked secret with invalid_request_error, never naming the value", async () => {
    const secret = "AKIAIOSFODNN7EXAMPLE";
    const err = await claude.messages.create({ model: "claude-echo", max_tokens: 50, messages: [{ role: "user", content: `key ${secret}` }] }).catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect(err.error.error.type).toBe("invalid_request_error");
    expect(JSON.stringify(err.error)).not.toContain(secret);
  });

  it("answers a repeated question from the cache, as a message and as a stream of Anthropic events", async () => {
    const ask = { model: "claude-echo", max_tokens: 50, messages: [{ role: "user" as const, content: "what is a sluice gate?" }] };
    const first = await claude.messages.create(ask).withResponse();
    expect(first.response.headers.get("x-sluice-cache-status")).toBe("miss");
    const upstreamCalls = anthropic.requests.length;
    await new Promise((r) => setTimeout(r, 100)); // the store is off the response path
    const second = await claude.messages.create(ask).withResponse();
    expect(second.response.headers.get("x-sluice-cache-status")).toBe("hit_exact");
    expect(second.data.content).toEqual(first.data.content);
    expect(second.data.usage).toMatchObject({ input_tokens: 0, output_tokens: 0 });
    const replayed = await claude.messages.stream(ask).finalMessage();
    expect(replayed.content).toEqual(first.data.content);
    expect(anthropic.requests.length).toBe(upstreamCalls);
  });
});
