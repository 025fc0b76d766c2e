// The tokenizer API for the CLI, tests and benchmarks: exact cl100k_base / o200k_base token
// counts and ids for batches of texts, computed by the AssemblyScript tokens module (tiktoken
// parity, see policy-wasm/tokens). The Extism engines run the module exactly as the gateway
// does: as the `tokens` policy slot (PolicySlot -> PolicyInstance, init with both rank tables),
// failing closed, so an error is an error and never an estimate.
import { readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { PolicySlot } from "../host/slot.js";
import { sha256Hex } from "../host/version-store.js";
import { callSlices, TokensSlot } from "./api.js";
import { decodeTokensCount, decodeTokensEncode } from "./codec.js";
import { TOKENS_SLOT, TOKENS_SLOT_DEFAULTS } from "./definition.js";
import type { EncodingName } from "./encodings.js";
import { createRawEngine } from "./raw-engine.js";
import { tokensInitInput } from "./rank-blob.js";
import { defaultWasmPath, loadTokensModule } from "./wasm-module.js";

/**
 * How the module is run:
 *  - "extism":        the tokens slot, plain Extism input/output (tokens.wasm)
 *  - "extism-hostio": the tokens slot, `sluice:host` one-copy input/output (tokens-hostio.wasm)
 *  - "raw":           bare WebAssembly, the host writes into module memory (tokens.wasm)
 */
export type TokenizerEngineKind = "extism" | "extism-hostio" | "raw";
export const ENGINE_KINDS: readonly TokenizerEngineKind[] = ["extism", "extism-hostio", "raw"];

interface TokenizerOptions {
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

function missing(path: string): Error {
  return new Error(`tokens: WASM module not found at ${path}; build it with \`npm run build:wasm\``);
}

/** The module running in a tokens PolicySlot of its own (no store, no conformance run). */
export async function createTokensSlot(path: string): Promise<PolicySlot> {
  if (!existsSync(path)) throw missing(path);
  const bytes = new Uint8Array(await readFile(path));
  const slot = new PolicySlot(TOKENS_SLOT, { ...TOKENS_SLOT_DEFAULTS, source: path, failMode: "closed", trusted: true });
  await slot.activate(bytes, { version: 1, sha256: sha256Hex(bytes), activatedAt: new Date().toISOString() }, true);
  return slot;
}

export async function createTokenizer(options: TokenizerOptions): Promise<Tokenizer> {
  const kind = options.engine ?? "extism-hostio";
  const path = options.wasmPath ?? defaultWasmPath(kind === "extism-hostio" ? "hostio" : "plain");
  const { encoding } = options;
  let closed = false;
  const open = (): void => {
    if (closed) throw new Error("tokens: tokenizer is closed");
  };

  if (kind === "raw") {
    if (!existsSync(path)) throw missing(path);
    const [module, init] = await Promise.all([loadTokensModule(path), tokensInitInput()]);
    const engine = await createRawEngine(module, init);
    const runAll = <T>(operation: "count" | "encode", texts: readonly string[], decode: (out: Uint8Array, n: number) => T[]): T[] => {
      const results: T[] = [];
      if (texts.length === 0) return results;
      for (const slice of callSlices(encoding, texts)) for (const v of decode(engine.run(operation, encoding, slice), slice.length)) results.push(v);
      return results;
    };
    return {
      encoding,
      engine: kind,
      count: async (texts) => (open(), runAll("count", texts, decodeTokensCount)),
      encode: async (texts) => (open(), runAll("encode", texts, decodeTokensEncode)),
      close: async () => {
        closed = true;
      },
    };
  }

  const slot = await createTokensSlot(path);
  const policy = new TokensSlot(slot);
  return {
    encoding,
    engine: kind,
    count: async (texts) => (open(), (await policy.count(encoding, texts)).counts),
    encode: async (texts) => (open(), (await policy.encode(encoding, texts)).ids),
    close: async () => {
      closed = true;
      await slot.close();
    },
  };
}
