import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "../../src/app/start-gateway.js";
import { startFakeOpenAI, type FakeOpenAI } from "../support/fake-openai.js";
import { parseConfig } from "../../src/app/load-config.js";
import { startTestGateway } from "../support/gateway.js";

let upstream: FakeOpenAI;
let gateway: RunningGateway;
let client: OpenAI;

const WINDOW = 700;
const RESERVE = 100;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  const target = `targets: [ { provider: fake, model: echo } ]`;
  gateway = await startTestGateway(`
providers:
  - { id: fake, kind: openai, base_url: "${upstream.url}", api_key: sk-up }
  - { id: fake-long, kind: openai, base_url: "${upstream.url}", api_key: sk-up }
models:
  - { alias: strict, ${target}, context_window: ${WINDOW} }
  - { alias: oldest, ${target}, context_window: ${WINDOW}, context: { strategy: drop_oldest, reserve_output: ${RESERVE} } }
  - { alias: middle, ${target}, context_window: ${WINDOW}, context: { strategy: middle_out, reserve_output: ${RESERVE} } }
  - { alias: long, targets: [ { provider: fake-long, model: echo } ], context_window: 100000 }
  - { alias: short, ${target}, context_window: ${WINDOW}, context: { fallback: long, reserve_output: ${RESERVE} } }
`);
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

type Msg = OpenAI.Chat.ChatCompletionMessageParam;

/** A long support conversation: a system message, then turns of question, tool call, tool result, answer. */
function conversation(turns: number): Msg[] {
  const out: Msg[] = [{ role: "system", content: "You are a careful support assistant for the order system." }];
  for (let t = 0; t < turns; t++) {
    out.push({ role: "user", content: `Question ${t}: where is order number ${1000 + t} and when will it arrive at my address?` });
    out.push({ role: "assistant", content: null, tool_calls: [{ id: `call_${t}`, type: "function", function: { name: "lookup_order", arguments: `{"order":${1000 + t}}` } }] });
    out.push({ role: "tool", tool_call_id: `call_${t}`, content: `Order ${1000 + t} shipped on day ${t} by courier and arrives in three days.` });
    out.push({ role: "assistant", content: `Order ${1000 + t} shipped and should arrive in three days.` });
  }
  out.push({ role: "user", content: "And the last one, please: is it insured?" });
  return out;
}

async function countTokens(model: string, messages: Msg[]): Promise<number> {
  const res = await fetch(`${gateway.url}/v1/tokens/count`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model, messages }) });
  return ((await res.json()) as { input_tokens: number }).input_tokens;
}

async function send(model: string, messages: Msg[]) {
  const before = upstream.requests.length;
  const { data, response } = await client.chat.completions.create({ model, messages }).withResponse();
  const sent = upstream.requests.slice(before).at(-1)!.body.messages as Array<Record<string, any>>;
  return { data, context: response.headers.get("x-sluice-context"), sent, provider: response.headers.get("x-sluice-provider") };
}

/** Every tool result comes right after the call it answers (no call split from its result). */
function toolPairsIntact(sent: Array<Record<string, any>>): void {
  sent.forEach((m, i) => {
    if (m.role !== "tool") return;
    const call = sent[i - 1]!;
    expect(call.role).toBe("assistant");
    expect(call.tool_calls.map((c: any) => c.id)).toContain(m.tool_call_id);
  });
  for (const m of sent) if (m.role === "assistant" && m.tool_calls) expect(sent.some((t) => t.tool_call_id === m.tool_calls[0].id)).toBe(true);
}

describe("context-window management", () => {
  const long = conversation(20);

  it("without a context section, a request that does not fit is refused", async () => {
    expect(await countTokens("strict", long)).toBeGreaterThan(WINDOW);
    const err = await client.chat.completions.create({ model: "strict", messages: long }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).code).toBe("context_length_exceeded");
  });

  it("drop_oldest keeps the system message and the latest turns, drops whole older turns, and fits", async () => {
    const { sent, context } = await send("oldest", long);
    expect(sent[0]).toEqual({ role: "system", content: long[0]!.content });
    expect(sent.at(-1)!.content).toBe("And the last one, please: is it insured?");
    // What is kept is the end of the conversation, whole turns from a user message on.
    expect(sent[1]!.role).toBe("user");
    const kept = sent.length - 1;
    expect(long.slice(long.length - kept).map((m) => m.content)).toEqual(sent.slice(1).map((m) => m.content ?? null));
    toolPairsIntact(sent);
    expect(context).toBe(`dropped=${long.length - sent.length}`);
    expect((await countTokens("oldest", sent as Msg[])) + RESERVE).toBeLessThanOrEqual(WINDOW);
    // Not more dropped than needed: one more turn (4 messages) would not fit.
    const oneMore = [long[0]!, ...long.slice(long.length - kept - 4)];
    expect((await countTokens("oldest", oneMore)) + RESERVE).toBeGreaterThan(WINDOW);
  });

  it("middle_out keeps the start and the end, drops from the middle, and fits", async () => {
    const { sent, context } = await send("middle", long);
    expect(sent[0]!.content).toBe(long[0]!.content);
    expect(sent[1]!.content).toBe(long[1]!.content); // the first turn is kept
    expect(sent.at(-1)!.content).toBe(long.at(-1)!.content);
    expect(sent.at(-2)!.content).toBe(long.at(-2)!.content); // the turn before the last survives too
    toolPairsIntact(sent);
    expect(context).toBe(`middle_out dropped=${long.length - sent.length}`);
    expect((await countTokens("middle", sent as Msg[])) + RESERVE).toBeLessThanOrEqual(WINDOW);
  });

  it("a request that already fits is sent as it is", async () => {
    const short = conversation(1);
    const { sent, context } = await send("oldest", short);
    expect(sent.length).toBe(short.length);
    expect(context).toBeNull();
  });

  it("refuses when even the latest turn alone does not fit", async () => {
    const huge: Msg[] = [{ role: "user", content: "word ".repeat(2000) }];
    const err = await client.chat.completions.create({ model: "oldest", messages: huge }).catch((e: unknown) => e);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).code).toBe("context_length_exceeded");
  });

  it("fallback sends a request that does not fit to the long-context alias, unchanged", async () => {
    const { sent, context, provider } = await send("short", long);
    expect(provider).toBe("fake-long");
    expect(sent.length).toBe(long.length);
    expect(context).toBe("fallback=long");
    const fits = await send("short", conversation(1));
    expect(fits.provider).toBe("fake");
    expect(fits.context).toBeNull();
  });

  it("counts what it did in sluice_context_actions_total", async () => {
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toMatch(/sluice_context_actions_total\{alias="oldest",action="dropped"\} [1-9]/);
    expect(metrics).toMatch(/sluice_context_actions_total\{alias="middle",action="middle_out"\} [1-9]/);
    expect(metrics).toMatch(/sluice_context_actions_total\{alias="short",action="fallback"\} [1-9]/);
    expect(metrics).toMatch(/sluice_context_actions_total\{alias="oldest",action="refused"\} [1-9]/);
  });
});

describe("models[].context in the config", () => {
  const base = `providers: [ { id: m, kind: mock } ]\nmodels:\n  - { alias: a, targets: [ { provider: m, model: mock-echo } ], context_window: 100, context: CONTEXT }`;
  it.each([
    ["{ strategy: newest }", /models\[0\]\.context\.strategy: expected refuse, drop_oldest or middle_out/],
    ["{ fallback: nowhere }", /models\[0\]\.context\.fallback: "nowhere" is not another models\[\]\.alias/],
    ["{ fallback: a }", /models\[0\]\.context\.fallback: "a" is not another/],
    ["{ keep: all }", /models\[0\]\.context\.keep: unknown field/],
  ])("refuses %s, naming the field", (context, problem) => {
    expect(() => parseConfig(base.replace("CONTEXT", context), "test")).toThrow(problem);
  });
  it("needs context_window", () => {
    expect(() => parseConfig(base.replace("context_window: 100, ", "").replace("CONTEXT", "{ strategy: drop_oldest }"), "test")).toThrow(/models\[0\]\.context: needs context_window/);
  });
});

it("the README's context example is a valid config", async () => {
  const readme = await (await import("node:fs/promises")).readFile(new URL("../../README.md", import.meta.url), "utf8");
  const block = /```yaml\n(models:\n  - alias: chat\n[\s\S]*?)```/.exec(readme)![1]!;
  const config = parseConfig(`providers:\n  - { id: openai-main, kind: openai, api_key: k }\n  - { id: claude, kind: anthropic, api_key: k }\n${block}`, "README");
  expect(config.models[0]!.context).toMatchObject({ strategy: "drop_oldest", reserveOutput: 1024, fallback: "chat-long" });
});
