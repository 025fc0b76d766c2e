// The tokenizer API: exact cl100k_base / o200k_base token counts and ids for batches of texts,
// computed by the AssemblyScript tokens module (tiktoken parity, see policy-wasm/tokens).
import { decodeCounts, decodeIds, batchUpperBound } from "./batch-codec.js";
import type { EncodingName } from "./encodings.js";
import type { BatchOperation, TokenEngine } from "./engine.js";
import { createExtismEngine } from "./extism-engine.js";
import { createRawEngine } from "./raw-engine.js";
import { rankBlob } from "./rank-blob.js";
import { defaultWasmPath, loadTokensModule } from "./wasm-module.js";

/**
 * How the module is run:
 *  - "extism":        @extism/extism, plain Extism input/output (tokens.wasm)
 *  - "extism-hostio": @extism/extism with host functions copying input/output (tokens-hostio.wasm)
 *  - "raw":           bare WebAssembly, the host writes into module memory (tokens.wasm)
 */
export type TokenizerEngineKind = "extism" | "extism-hostio" | "raw";
export const ENGINE_KINDS: readonly TokenizerEngineKind[] = ["extism", "extism-hostio", "raw"];

export interface TokenizerOptions {
  encoding: EncodingName;
  engine?: TokenizerEngineKind;
  /** Overrides the module file (defaults to the build output under dist/policy-wasm/). */
  wasmPath?: string;
}

export interface Tokenizer {
  readonly encoding: EncodingName;
  readonly engine: TokenizerEngineKind;
  /** Token count of each text (same order). */
  count(texts: readonly string[]): Promise<number[]>;
  /** Token ids of each text (same order). */
  encode(texts: readonly string[]): Promise<Uint32Array[]>;
  close(): Promise<void>;
}

/** Batches are split so one module call sees at most this many (upper-bound) input bytes. */
const MAX_CALL_BYTES = 8 * 1024 * 1024;

/** Splits texts into runs whose batch bound stays under MAX_CALL_BYTES (a huge text goes alone). */
function* callSlices(texts: readonly string[]): Generator<readonly string[]> {
  let start = 0;
  let bytes = 4;
  for (let i = 0; i < texts.length; i++) {
    const size = 4 + (texts[i] as string).length * 3;
    if (i > start && bytes + size > MAX_CALL_BYTES) {
      yield texts.slice(start, i);
      start = i;
      bytes = 4;
    }
    bytes += size;
  }
  if (start === 0) yield texts;
  else yield texts.slice(start);
}

export async function createTokenizer(options: TokenizerOptions): Promise<Tokenizer> {
  const kind = options.engine ?? "extism-hostio";
  const variant = kind === "extism-hostio" ? "hostio" : "plain";
  const [module, blob] = await Promise.all([
    loadTokensModule(options.wasmPath ?? defaultWasmPath(variant)),
    rankBlob(options.encoding),
  ]);
  const engine: TokenEngine =
    kind === "raw"
      ? await createRawEngine(module, blob)
      : await createExtismEngine(module, blob, { hostIo: kind === "extism-hostio" });

  async function runAll<T>(operation: BatchOperation, texts: readonly string[], decode: (out: Uint8Array, n: number) => T[]): Promise<T[]> {
    if (texts.length === 0) return [];
    if (batchUpperBound(texts) <= MAX_CALL_BYTES) return decode(await engine.run(operation, texts), texts.length);
    const results: T[] = [];
    for (const slice of callSlices(texts)) results.push(...decode(await engine.run(operation, slice), slice.length));
    return results;
  }

  return {
    encoding: options.encoding,
    engine: kind,
    count: (texts) => runAll("count", texts, decodeCounts),
    encode: (texts) => runAll("encode", texts, decodeIds),
    close: () => engine.close(),
  };
}
