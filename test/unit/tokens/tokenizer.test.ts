// The host side: engines agree, Extism survives past the kernel's 16,383-call leak, calls are
// serialised, a missing module is explained, and the model -> encoding table. (The protobuf
// codec of the slot ABI is tested in test/unit/policy/tokens-slot.test.ts.)
import { describe, expect, it } from "vitest";
import { encodeTokensInit } from "../../../src/policy/tokens/codec.js";
import { encodingForModel } from "../../../src/policy/tokens/model-encoding.js";
import { buildRankBlob } from "../../../src/policy/tokens/rank-blob.js";
import { createTokenizer, ENGINE_KINDS } from "../../../src/policy/tokens/tokenizer.js";
import { loadCorpus } from "./helpers.js";

describe("tokenizer", () => {
  it("explains a missing module", async () => {
    await expect(createTokenizer({ encoding: "cl100k_base", wasmPath: "/nonexistent/tokens.wasm" })).rejects.toThrow(
      /WASM module not found at \/nonexistent\/tokens.wasm; build it with `npm run build:wasm`/,
    );
  });

  it("reports a malformed rank table from the module", async () => {
    // A table without every single byte cannot drive byte-level BPE: init must refuse it.
    const blob = buildRankBlob("cl100k_base", [new Uint8Array([0x61]), new Uint8Array([0x62])]);
    const { createRawEngine } = await import("../../../src/policy/tokens/raw-engine.js");
    const { loadTokensModule, defaultWasmPath } = await import("../../../src/policy/tokens/wasm-module.js");
    const init = encodeTokensInit([{ encoding: "cl100k_base", ranks: blob }]);
    await expect(createRawEngine(await loadTokensModule(defaultWasmPath("plain")), init)).rejects.toThrow(/init failed: malformed TokensInitInput or rank table/);
  });

  it("the debug build (assertions on) agrees with the release build", async () => {
    const { dirname, join } = await import("node:path");
    const { defaultWasmPath } = await import("../../../src/policy/tokens/wasm-module.js");
    const debugPath = join(dirname(defaultWasmPath("plain")), "tokens.debug.wasm");
    const texts = loadCorpus().map((row) => row.text);
    const debug = await createTokenizer({ encoding: "o200k_base", engine: "raw", wasmPath: debugPath });
    const release = await createTokenizer({ encoding: "o200k_base", engine: "raw" });
    expect(await debug.encode(texts)).toEqual(await release.encode(texts));
    await debug.close();
    await release.close();
  });

  it("all engines give the same ids", async () => {
    const texts = ["Hello world", "  leading spaces\n\n\ttabs", "emoji 👨‍👩‍👧 and 日本語", "x".repeat(10_000)];
    const results = [];
    for (const engine of ENGINE_KINDS) {
      const tokenizer = await createTokenizer({ encoding: "o200k_base", engine });
      results.push((await tokenizer.encode(texts)).map((ids) => Array.from(ids)));
      await tokenizer.close();
    }
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
  });

  it.each(["extism", "extism-hostio"] as const)("%s keeps working past 16,383 calls (periodic reset)", async (engine) => {
    const tokenizer = await createTokenizer({ encoding: "cl100k_base", engine });
    let total = 0;
    for (let i = 0; i < 17_000; i++) total += (await tokenizer.count(["hello there"]))[0] as number;
    expect(total).toBe(17_000 * 2);
    await tokenizer.close();
  }, 60_000);

  it("serialises concurrent calls on one plugin", async () => {
    const tokenizer = await createTokenizer({ encoding: "cl100k_base", engine: "extism-hostio" });
    const texts = Array.from({ length: 200 }, (_, i) => " word".repeat(i)); // i tokens each
    const counts = await Promise.all(texts.map((text) => tokenizer.count([text])));
    expect(counts.map(([n]) => n)).toEqual(texts.map((_, i) => i));
    await tokenizer.close();
    await expect(tokenizer.count(["x"])).rejects.toThrow(/closed/);
  });

  it("splits batches larger than one call's budget and keeps the order", async () => {
    const tokenizer = await createTokenizer({ encoding: "cl100k_base", engine: "raw" });
    // ~3.6 MB of batch bound each: 12 texts take several calls.
    const texts = Array.from({ length: 12 }, (_, i) => `${i}` + " abc".repeat(300_000 + i));
    const counts = await tokenizer.count(texts);
    expect(counts).toEqual(texts.map((_, i) => 1 + 300_000 + i));
    await tokenizer.close();
  });
});

describe("encodingForModel", () => {
  it.each([
    ["openai", "gpt-4o-mini", "o200k_base", true],
    ["openai", "gpt-4.1", "o200k_base", true],
    ["openai", "gpt-5", "o200k_base", true],
    ["openai", "o3-mini", "o200k_base", true],
    ["azure-openai", "gpt-4", "cl100k_base", true],
    ["openai", "gpt-4-turbo", "cl100k_base", true],
    ["openai", "gpt-3.5-turbo-0125", "cl100k_base", true],
    ["azure-openai", "gpt-35-turbo", "cl100k_base", true],
    ["openai", "text-embedding-3-small", "cl100k_base", true],
    ["openai-compatible", "openai/gpt-oss-120b", "o200k_base", true],
    ["anthropic", "claude-haiku-4-5", "o200k_base", false],
    ["bedrock", "us.anthropic.claude-sonnet-4-5", "o200k_base", false],
    ["gemini", "gemini-2.5-pro", "o200k_base", false],
    ["anthropic", "gpt-4o", "o200k_base", false],
    ["openai-compatible", "llama-3.1-8b-instruct", "o200k_base", false],
  ])("%s %s -> %s (exact: %s)", (provider, model, encoding, exact) => {
    expect(encodingForModel(provider, model)).toEqual({ encoding, exact });
  });
});

describe("rank blobs", () => {
  it.each(["cl100k_base", "o200k_base"] as const)("the fast builder gives the same %s blob as parseRanks + buildRankBlob", async (encoding) => {
    const { parseRanks, rankBlobFromFile } = await import("../../../src/policy/tokens/rank-blob.js");
    const file = (encoding === "cl100k_base" ? await import("js-tiktoken/ranks/cl100k_base") : await import("js-tiktoken/ranks/o200k_base")).default;
    const fast = rankBlobFromFile(encoding, file);
    expect(Buffer.from(fast).equals(Buffer.from(buildRankBlob(encoding, parseRanks(file))))).toBe(true);
    // a gap in the ranks and ranks listed out of order
    const small = { bpe_ranks: "! 3 YQ== Yg==\n! 0 Yw==\n" };
    expect(Array.from(rankBlobFromFile(encoding, small))).toEqual(Array.from(buildRankBlob(encoding, parseRanks(small))));
  });
});
