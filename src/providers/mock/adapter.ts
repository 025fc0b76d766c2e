import { setTimeout as sleep } from "node:timers/promises";
import type { ProviderConfig } from "../../gen/sluice/v1/config_pb.js";
import { FinishReason, Role, ToolChoiceMode, type ChatChunk, type ChatRequest } from "../../gen/sluice/v1/gateway_pb.js";
import { DEFAULT_MOCK_LOREM_TOKENS } from "../../config/defaults.js";
import { SluiceError } from "../../errors/sluice-error.js";
import { upstreamStatusError } from "../../errors/upstream.js";
import { messageText, newChunk, newToolCallDelta, newUsage } from "../../core/canonical.js";
import type { ProviderAdapter, ProviderCall } from "../../core/provider.js";
import { loremWords } from "./lorem.js";
import { LexicalEmbedder } from "../../cache/lexical-embedder.js";

const MODELS = ["mock-echo", "mock-lorem", "mock-embed"] as const;

/**
 * A provider with no network, for demos, tests and benchmarks.
 * - `mock-echo` answers with the last user message, streamed a word per chunk.
 * - `mock-lorem` answers with N generated words (max_output_tokens, else `mock.lorem_tokens`).
 * - Either model, asked to call a tool (`tool_choice` required or a function), calls it with
 *   `{"text": <last user message>}`.
 * Token counts are word counts: the mock's usage is self-consistent, not a real tokenizer's.
 * `mock.chunk_delay_ms` and `mock.fault` shape latency and failures.
 */
export function createMockAdapter(config: ProviderConfig): ProviderAdapter {
  const delayMs = config.mock?.chunkDelayMs ?? 0;
  const loremTokens = config.mock?.loremTokens || DEFAULT_MOCK_LOREM_TOKENS;
  const fault = config.mock?.fault;
  let sequence = 0;
  const embedder = new LexicalEmbedder();

  async function* chat(call: ProviderCall): AsyncGenerator<ChatChunk> {
    const { signal } = call;
    if (!(MODELS as readonly string[]).includes(call.model)) {
      throw upstreamStatusError(config.id, 404, `unknown model ${call.model} (mock serves ${MODELS.join(", ")})`);
    }
    if (fault?.hang) {
      await sleep(2 ** 31 - 1, undefined, { signal }).catch(() => undefined);
      throw new SluiceError("cancelled", "request cancelled");
    }
    if (fault?.status) throw upstreamStatusError(config.id, fault.status, "injected fault");

    const base = { id: `mock-${++sequence}`, created: BigInt(Math.floor(Date.now() / 1000)), model: call.model };
    const tool = forcedTool(call.request);
    if (tool) {
      // Asked to call a tool: call it with the last user message as its argument.
      await pause(delayMs, signal);
      const args = JSON.stringify({ text: echoWords(call.request).join("") });
      yield newChunk({ ...base, role: Role.ASSISTANT, toolCallDeltas: [newToolCallDelta({ index: 0, id: `call_${base.id}`, name: tool, argumentsDelta: "" })] });
      yield newChunk({ ...base, toolCallDeltas: [newToolCallDelta({ index: 0, argumentsDelta: args })] });
      yield newChunk({ ...base, finishReason: FinishReason.TOOL_CALLS, usage: newUsage({ inputTokens: countInputWords(call.request), outputTokens: 1 }) });
      return;
    }
    const words = call.model === "mock-echo" ? echoWords(call.request) : loremWords(call.request.params?.maxOutputTokens || loremTokens, sequence);
    const usage = newUsage({ inputTokens: countInputWords(call.request), outputTokens: words.length });
    const maxTokens = call.request.params?.maxOutputTokens;
    const finishReason = maxTokens !== undefined && words.length >= maxTokens && call.model === "mock-lorem" ? FinishReason.LENGTH : FinishReason.STOP;

    if (!call.stream) {
      await pause(delayMs, signal);
      yield newChunk({ ...base, role: Role.ASSISTANT, textDelta: words.join(""), finishReason, usage });
      return;
    }
    for (let i = 0; i < words.length; i++) {
      if (fault?.failAfterChunks && i >= fault.failAfterChunks) {
        throw new SluiceError("stream_interrupted", `${config.id}: stream broke after ${i} chunks (injected fault)`);
      }
      await pause(delayMs, signal);
      yield newChunk({ ...base, role: i === 0 ? Role.ASSISTANT : Role.UNSPECIFIED, textDelta: words[i]! });
    }
    yield newChunk({ ...base, finishReason, usage });
  }

  return {
    id: config.id,
    kind: "mock",
    chat,
    knownModels: () => MODELS,
    // mock-embed: the cache's built-in lexical embedder (hashed words and n-grams), no network.
    async embed(call) {
      if (call.model !== "mock-embed") throw upstreamStatusError(config.id, 404, `unknown embeddings model ${call.model} (mock serves mock-embed)`);
      const vectors = (await embedder.embed(call.inputs)).map((v) => Array.from(v));
      return { vectors, inputTokens: call.inputs.reduce((n, t) => n + splitWords(t).length, 0), model: "mock-embed" };
    },
    close: async () => {},
  };
}

async function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) throw new SluiceError("cancelled", "request cancelled");
  if (ms > 0) {
    try {
      await sleep(ms, undefined, { signal });
    } catch {
      throw new SluiceError("cancelled", "request cancelled");
    }
  }
}

/** The tool a request forces (by name, or the first one when a call is required). */
function forcedTool(request: ChatRequest): string | undefined {
  const choice = request.toolChoice?.choice;
  if (choice?.case === "functionName") return choice.value;
  if (choice?.case === "mode" && choice.value === ToolChoiceMode.REQUIRED) return request.tools[0]?.name;
  return undefined;
}

/** The last user message split into words, each keeping its leading space. */
function echoWords(request: ChatRequest): string[] {
  for (let i = request.messages.length - 1; i >= 0; i--) {
    const message = request.messages[i]!;
    if (message.role === Role.USER) return message.content.length ? splitWords(messageText(message)) : [];
  }
  return [];
}

function splitWords(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

function countInputWords(request: ChatRequest): number {
  let n = 0;
  for (const m of request.messages) n += splitWords(messageText(m)).length;
  return n;
}
