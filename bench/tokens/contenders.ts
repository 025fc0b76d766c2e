// The tokenizers under test, behind one shape: count a list of texts, one call per text
// (`countEach`) or all in one call (`countBatch`, where the implementation has batches).
import { Tiktoken as JsTiktoken } from "js-tiktoken/lite";
import { get_encoding } from "tiktoken";
import type { EncodingName } from "../../src/policy/tokens/encodings.js";
import { createTokenizer, type TokenizerEngineKind } from "../../src/policy/tokens/tokenizer.js";

export interface Contender {
  name: string;
  /** Takes tens of seconds on some inputs: timed once, without warm-up. */
  slow?: boolean;
  /** One call per text, as a gateway counting requests one by one would. */
  countEach(texts: readonly string[]): Promise<number[]>;
  /** All texts in one call (falls back to countEach where there is no batch API). */
  countBatch(texts: readonly string[]): Promise<number[]>;
  close(): Promise<void>;
}

/** The first two run the module as the `tokens` policy slot (PolicySlot -> PolicyInstance, the
 *  gateway's path: slot ABI protobuf in and out); raw is the bare-WebAssembly baseline. */
export const OURS: { name: string; engine: TokenizerEngineKind }[] = [
  { name: "sluice tokens slot, Extism plain I/O", engine: "extism" },
  { name: "sluice tokens slot, Extism host-fn I/O", engine: "extism-hostio" },
  { name: "sluice module, raw WebAssembly", engine: "raw" },
];

export async function oursContender(name: string, engine: TokenizerEngineKind, encoding: EncodingName): Promise<Contender> {
  const tokenizer = await createTokenizer({ encoding, engine });
  return {
    name,
    async countEach(texts) {
      const counts: number[] = [];
      for (const text of texts) counts.push((await tokenizer.count([text]))[0] as number);
      return counts;
    },
    countBatch: (texts) => tokenizer.count(texts),
    close: () => tokenizer.close(),
  };
}

/** The official bindings (Rust core compiled to WASM): the baseline and the parity reference. */
export function tiktokenContender(encoding: EncodingName): Contender & { encode(text: string): Uint32Array } {
  const encoder = get_encoding(encoding);
  const countEach = async (texts: readonly string[]) => texts.map((text) => encoder.encode_ordinary(text).length);
  return {
    name: "tiktoken 1.0.22 (official WASM)",
    countEach,
    countBatch: countEach,
    encode: (text) => encoder.encode_ordinary(text),
    async close() {
      encoder.free();
    },
  };
}

/** js-tiktoken (pure JS port); special-token strings count as text, like encode_ordinary. */
export async function jsTiktokenContender(encoding: EncodingName): Promise<Contender> {
  const ranks =
    encoding === "cl100k_base"
      ? (await import("js-tiktoken/ranks/cl100k_base")).default
      : (await import("js-tiktoken/ranks/o200k_base")).default;
  const encoder = new JsTiktoken(ranks);
  const countEach = async (texts: readonly string[]) => texts.map((text) => encoder.encode(text, [], []).length);
  return { name: "js-tiktoken 1.0.21 (pure JS)", slow: true, countEach, countBatch: countEach, async close() {} };
}
