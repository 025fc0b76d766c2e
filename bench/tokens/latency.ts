// The cost of counting one typical ~2 KB chat request through the tokens slot, per request:
// p50 / p99 of single calls, as the gateway's admit phase and CountTokens pay it.
//   - TokensSlot.count over a PolicySlot/PolicyInstance (plain Extism I/O and host-fn I/O):
//     protobuf encode, the Extism call, decode;
//   - ChatTokenCounter.count over the host-fn slot: the above plus walking the ChatRequest;
//   - the same module as bare WebAssembly, and tiktoken counting message by message, for scale.
import { create } from "@bufbuild/protobuf";
import { get_encoding } from "tiktoken";
import { ChatRequestSchema, Role, type ChatRequest } from "../../src/gen/sluice/v1/gateway_pb.js";
import { TokensSlot } from "../../src/policy/tokens/api.js";
import { ChatTokenCounter } from "../../src/policy/tokens/chat-count.js";
import type { EncodingName } from "../../src/policy/tokens/encodings.js";
import { createTokenizer, createTokensSlot } from "../../src/policy/tokens/tokenizer.js";
import { defaultWasmPath } from "../../src/policy/tokens/wasm-module.js";
import { fixed, table } from "./report.js";

export interface LatencyOptions {
  warmup: number;
  calls: number;
}

interface Latency {
  name: string;
  p50: number;
  p99: number;
  mean: number;
  tokens: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

async function time(name: string, call: () => Promise<number>, options: LatencyOptions): Promise<Latency> {
  let tokens = 0;
  for (let i = 0; i < options.warmup; i++) tokens = await call();
  const samples: number[] = [];
  for (let i = 0; i < options.calls; i++) {
    const start = performance.now();
    tokens = await call();
    samples.push((performance.now() - start) * 1000);
    if (i % 64 === 63) await new Promise((resolve) => setImmediate(resolve));
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  const result = { name, p50: percentile(sorted, 50), p99: percentile(sorted, 99), mean, tokens };
  console.log(`  latency | ${name}: p50 ${fixed(result.p50)} µs, p99 ${fixed(result.p99)} µs`);
  return result;
}

function chatRequest(texts: string[], model: string): ChatRequest {
  return create(ChatRequestSchema, {
    model,
    messages: texts.map((text, i) => ({ role: i === 0 ? Role.SYSTEM : i % 2 ? Role.USER : Role.ASSISTANT, content: [{ part: { case: "text" as const, value: text } }] })),
  });
}

const sum = (counts: number[]): number => counts.reduce((a, b) => a + b, 0);

/** Returns the markdown table for one encoding. */
export async function slotLatency(encoding: EncodingName, texts: string[], options: LatencyOptions): Promise<string> {
  const plainSlot = await createTokensSlot(defaultWasmPath("plain"));
  const hostioSlot = await createTokensSlot(defaultWasmPath("hostio"));
  const plain = new TokensSlot(plainSlot);
  const hostio = new TokensSlot(hostioSlot);
  const counter = new ChatTokenCounter(hostio);
  const request = chatRequest(texts, encoding === "cl100k_base" ? "gpt-4" : "gpt-4o");
  const raw = await createTokenizer({ encoding, engine: "raw" });
  const reference = get_encoding(encoding);
  const rows: Latency[] = [];
  try {
    rows.push(await time("tokens slot, Extism plain I/O: TokensSlot.count", async () => sum((await plain.count(encoding, texts)).counts), options));
    rows.push(await time("tokens slot, Extism host-fn I/O: TokensSlot.count", async () => sum((await hostio.count(encoding, texts)).counts), options));
    rows.push(await time("tokens slot, host-fn I/O: ChatTokenCounter.count (whole request)", async () => (await counter.count(request, "openai", request.model)).inputTokens, options));
    rows.push(await time("same module, raw WebAssembly (no slot)", async () => sum(await raw.count(texts)), options));
    rows.push(await time("tiktoken 1.0.22, one call per message", async () => sum(texts.map((t) => reference.encode_ordinary(t).length)), options));
  } finally {
    reference.free();
    await raw.close();
    await plainSlot.close();
    await hostioSlot.close();
  }
  return table(
    ["path", "p50 µs", "p99 µs", "mean µs", "tokens"],
    rows.map((r) => [r.name, fixed(r.p50), fixed(r.p99), fixed(r.mean), String(r.tokens)]),
  );
}
