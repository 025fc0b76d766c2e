import { afterAll, beforeAll, describe, expect, it } from "vitest";
import OpenAI from "openai";
import { startTestGateway } from "../support/gateway.js";
import { fixtureText, startFakeOpenAI, type FakeOpenAI } from "../support/fake-openai.js";
import type { RunningGateway } from "../../src/app/start-gateway.js";

let upstream: FakeOpenAI;
let gateway: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  gateway = await startTestGateway(`
providers:
  - { id: mock, kind: mock }
  - { id: fake, kind: openai, base_url: "${upstream.url}", api_key: sk-upstream-secret }
models:
  - { alias: mock-echo, targets: [ { provider: mock, model: mock-echo } ] }
  - { alias: recorded, targets: [ { provider: fake, model: "fixture:works" } ] }
  - { alias: tools, targets: [ { provider: fake, model: "fixture:tool_calls" } ] }
`);
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused-without-keys", maxRetries: 0 });
});

afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

const recorded = ["works", "emits_content_logprobs_events", "emits_refusal_logprobs_events", "is_robust_against_leading_newline_chunks"];

describe("official openai SDK through the gateway", () => {
  it("non-streaming answer from the mock provider", async () => {
    const completion = await client.chat.completions.create({ model: "mock-echo", messages: [{ role: "user", content: "three little words" }] });
    expect(completion.object).toBe("chat.completion");
    expect(completion.choices[0]!.message.content).toBe("three little words");
    expect(completion.choices[0]!.finish_reason).toBe("stop");
    expect(completion.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 });
  });

  it("streaming answer from the mock provider, with include_usage", async () => {
    const stream = await client.chat.completions.create({
      model: "mock-echo",
      messages: [{ role: "user", content: "stream me please" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe("stream me please");
    expect(chunks).toBeGreaterThanOrEqual(4); // one per word, the finish chunk, the usage chunk
    expect(usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 3 });
  });

  it("refuses logprobs, which it cannot carry back, with a 400 naming the field; nothing reaches the upstream", async () => {
    const before = upstream.requests.length;
    const err = await client.chat.completions
      .create({ model: "recorded", messages: [{ role: "user", content: "hi" }], logprobs: true, top_logprobs: 2 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("logprobs");
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).code).toBe("invalid_request");
    expect(upstream.requests.length).toBe(before);
    // logprobs: false asks for nothing and is answered.
    const completion = await client.chat.completions.create({ model: "mock-echo", messages: [{ role: "user", content: "fine" }], logprobs: false, logit_bias: {} });
    expect(completion.choices[0]!.message.content).toBe("fine");
  });

  for (const name of recorded) {
    it(`replays the recorded OpenAI stream "${name}" to the expected text, finish reason and usage`, async () => {
      const expected = JSON.parse(fixtureText(`${name}.expected.json`)).derived_by_corpus_builder;
      await gateway.close();
      gateway = await startTestGateway(`
providers: [ { id: fake, kind: openai, base_url: "${upstream.url}" } ]
models: [ { alias: recorded, targets: [ { provider: fake, model: "fixture:${name}" } ] } ]
`);
      client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "x", maxRetries: 0 });
      const stream = client.chat.completions.stream({
        model: "recorded",
        messages: [{ role: "user", content: "replay" }],
        stream_options: { include_usage: true },
      });
      const final = await stream.finalChatCompletion();
      const choice = final.choices[0]!;
      expect(choice.message.content).toBe(expected.choices[0].content);
      expect(choice.message.refusal ?? null).toBe(expected.choices[0].refusal);
      expect(choice.finish_reason).toBe(expected.choices[0].finish_reason);
      expect(final.model).toBe(expected.model);
      expect(final.usage).toMatchObject(expected.usage);
    });
  }

  it("streams tool calls (two parallel calls, arguments split across chunks)", async () => {
    await gateway.close();
    gateway = await startTestGateway(`
providers: [ { id: fake, kind: openai, base_url: "${upstream.url}" } ]
models: [ { alias: tools, targets: [ { provider: fake, model: "fixture:tool_calls" } ] } ]
`);
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "x", maxRetries: 0 });
    const expected = JSON.parse(fixtureText("tool_calls.expected.json")).derived_by_corpus_builder;
    const stream = client.chat.completions.stream({
      model: "tools",
      messages: [{ role: "user", content: "weather and time in Paris?" }],
      tools: [
        { type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } },
        { type: "function", function: { name: "get_time", parameters: { type: "object", properties: { tz: { type: "string" } } } } },
      ],
      stream_options: { include_usage: true },
    });
    const final = await stream.finalChatCompletion();
    const calls = final.choices[0]!.message.tool_calls!.map((c) => ({ id: c.id, name: (c as any).function.name, arguments: (c as any).function.arguments }));
    expect(calls).toEqual(expected.choices[0].tool_calls);
    expect(final.choices[0]!.finish_reason).toBe("tool_calls");
    expect(final.usage).toMatchObject({ prompt_tokens: 82, completion_tokens: 41, prompt_tokens_details: { cached_tokens: 64 } });

    // The gateway forwarded the tools in OpenAI's shape and asked for usage.
    const sent = upstream.requests.at(-1)!.body;
    expect(sent.tools.map((t: any) => t.function.name)).toEqual(["get_weather", "get_time"]);
    expect(sent.tools[0].function.parameters).toEqual({ type: "object", properties: { city: { type: "string" } } });
    expect(sent.stream_options).toEqual({ include_usage: true });
  });

  it("answers tool calls whole (non-streaming) and sends tool results back upstream", async () => {
    const completion = await client.chat.completions.create({
      model: "tools",
      messages: [
        { role: "user", content: "weather in Paris?" },
        { role: "assistant", content: null, tool_calls: [{ id: "call_0", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
        { role: "tool", tool_call_id: "call_0", content: '{"temp_c": 21}' },
      ],
    });
    const call = completion.choices[0]!.message.tool_calls![0]! as any;
    expect(call).toMatchObject({ id: "call_weather_1", type: "function", function: { name: "get_weather", arguments: '{"city": "Paris"}' } });
    expect(completion.choices[0]!.finish_reason).toBe("tool_calls");
    const sent = upstream.requests.at(-1)!.body;
    expect(sent.messages[1]).toEqual({ role: "assistant", content: null, tool_calls: [{ id: "call_0", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] });
    expect(sent.messages[2]).toEqual({ role: "tool", content: '{"temp_c": 21}', tool_call_id: "call_0" });
  });

  it("lists models", async () => {
    const page = await client.models.list();
    expect(page.data.map((m) => m.id)).toEqual(["tools"]);
  });
});
