// The tokens slot: its protobuf codec against the generated schema, its conformance vectors
// against the corpus, the shipped modules' ABI (init with both tables, refusals), init on every
// plugin (also after a trap and in worker mode), fail open / closed, and hot swap + rollback.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { afterEach, describe, expect, it } from "vitest";
import {
  TokensCountInputSchema, TokensCountOutputSchema, TokensEncodeOutputSchema, TokensInitInputSchema,
} from "../../../src/gen/sluice/policy/v1/policy_pb.js";
import { policyCommand } from "../../../src/cli/commands/policy.js";
import type { SlotConfig } from "../../../src/policy/host/definitions.js";
import { PolicyRefusedError, PolicyValidationError } from "../../../src/policy/host/errors.js";
import { PolicyInstance } from "../../../src/policy/host/instance.js";
import { PolicySlot } from "../../../src/policy/host/slot.js";
import { validateModule } from "../../../src/policy/host/validate.js";
import { LocalVersionStore, sha256Hex } from "../../../src/policy/host/version-store.js";
import { inspectWasm } from "../../../src/policy/host/wasm-inspect.js";
import { PolicyHost } from "../../../src/policy/policy-host.js";
import { DEFAULT_SLOT_CONFIG, SLOT_DEFINITIONS } from "../../../src/policy/slots.js";
import { TokensSlot, estimateTokens } from "../../../src/policy/tokens/api.js";
import { decodeTokensCount, decodeTokensEncode, encodeTokensInit, encodeTokensInput } from "../../../src/policy/tokens/codec.js";
import { TOKENS_CONFORMANCE_ROWS, TOKENS_ENCODE_ROWS, tokensConformance } from "../../../src/policy/tokens/conformance.js";
import { tokensInitInput } from "../../../src/policy/tokens/rank-blob.js";
import { loadCorpus } from "../tokens/helpers.js";
import { DIST, builtModule, debugBuild } from "./helpers.js";

// The module's own behaviour runs on its debug builds (assertions on; helpers.ts debugBuild);
// validation and `sluice policy test` check the release builds the gateway serves.
const TOKENS = debugBuild("tokens"), TOKENS_HOSTIO = debugBuild("tokens-hostio");

const closers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c.close()));
});

async function tokensSlot(moduleName: string, config: Partial<SlotConfig> = {}): Promise<PolicySlot> {
  const slot = new PolicySlot(SLOT_DEFINITIONS.tokens, { ...DEFAULT_SLOT_CONFIG.tokens, ...config });
  closers.push(slot);
  const bytes = builtModule(moduleName);
  await slot.activate(bytes, { version: 1, sha256: sha256Hex(bytes), activatedAt: new Date().toISOString() });
  return slot;
}

const rows = loadCorpus();
const SAMPLE = rows.slice(0, 30);

describe("tokens codec", () => {
  it("writes TokensCountInput as the generated schema reads it (lone surrogates as U+FFFD)", () => {
    const texts = ["hi", "\ud800", "", "é".repeat(50), "x".repeat(300)];
    const decoded = fromBinary(TokensCountInputSchema, encodeTokensInput("o200k_base", texts));
    expect(decoded.abiVersion).toBe(1);
    expect(decoded.encoding).toBe("o200k_base");
    expect(decoded.texts).toEqual(["hi", "\ufffd", "", "é".repeat(50), "x".repeat(300)]);
    expect(fromBinary(TokensCountInputSchema, encodeTokensInput("cl100k_base", ["a"], 99)).abiVersion).toBe(99);
  });

  it("writes TokensInitInput as the generated schema reads it", () => {
    const init = encodeTokensInit([{ encoding: "cl100k_base", ranks: new Uint8Array([1, 2, 3]) }, { encoding: "o200k_base", ranks: new Uint8Array(300) }]);
    const decoded = fromBinary(TokensInitInputSchema, init);
    expect(decoded.abiVersion).toBe(1);
    expect(decoded.tables.map((t) => [t.encoding, t.ranks.length])).toEqual([["cl100k_base", 3], ["o200k_base", 300]]);
  });

  it("reads what the generated schema writes, and checks the contract", () => {
    const counts = toBinary(TokensCountOutputSchema, create(TokensCountOutputSchema, { abiVersion: 1, counts: [5, 0, 300000] }));
    expect(decodeTokensCount(counts, 3)).toEqual([5, 0, 300000]);
    expect(() => decodeTokensCount(counts, 2)).toThrow(/3 counts for 2 texts/);
    const wrongAbi = toBinary(TokensCountOutputSchema, create(TokensCountOutputSchema, { abiVersion: 2, counts: [1] }));
    expect(() => decodeTokensCount(wrongAbi, 1)).toThrow(/abi_version 2/);
    const ids = toBinary(TokensEncodeOutputSchema, create(TokensEncodeOutputSchema, { abiVersion: 1, texts: [{ ids: [9, 200000] }, { ids: [] }] }));
    expect(decodeTokensEncode(ids, 2).map((list) => Array.from(list))).toEqual([[9, 200000], []]);
    expect(() => decodeTokensCount(new Uint8Array([0x08]), 0)).toThrow(/truncated varint/);
  });

  it("the module's own output decodes with the generated schema", async () => {
    const slot = await tokensSlot(TOKENS);
    const texts = SAMPLE.map((r) => r.text);
    const out = await slot.call(encodeTokensInput("cl100k_base", texts));
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(fromBinary(TokensCountOutputSchema, out.output).counts).toEqual(SAMPLE.map((r) => r.cl100k_base));
    const enc = await slot.call(encodeTokensInput("o200k_base", texts), "encode");
    if (!enc.ok) throw new Error(enc.failure.message);
    const decoded = fromBinary(TokensEncodeOutputSchema, enc.output);
    expect(decoded.texts.map((t) => t.ids.slice(0, 64))).toEqual(SAMPLE.map((r) => r.o200k_ids));
  });
});

describe("tokens conformance vectors", () => {
  it("check encode's ids: the module's answer passes; one wrong id, or a count answer, fails", async () => {
    const slot = await tokensSlot(TOKENS);
    const vectors = tokensConformance.filter((v) => v.exportName === "encode");
    expect(vectors.map((v) => v.name)).toEqual(["encode: the ids of corpus rows, cl100k_base", "encode: the ids of corpus rows, o200k_base"]);
    for (const v of vectors) {
      const out = await slot.call(v.input, "encode");
      if (!out.ok) throw new Error(out.failure.message);
      expect(v.check(out.output, null)).toBeNull();
      const wrong = fromBinary(TokensEncodeOutputSchema, out.output);
      wrong.texts[1]!.ids[2]! += 1;
      expect(v.check(toBinary(TokensEncodeOutputSchema, wrong), null)).toMatch(/^ids: got/);
      const counted = await slot.call(v.input);
      if (!counted.ok) throw new Error(counted.failure.message);
      expect(v.check(counted.output, null)).not.toBeNull();
    }
  });

  it("are the corpus's rows and reference counts, including one pure-JS ports get wrong", () => {
    for (const row of TOKENS_CONFORMANCE_ROWS) {
      const corpus = rows.find((r) => r.id === row.id);
      expect(corpus, row.id).toBeDefined();
      expect({ text: row.text, cl100k_base: row.cl100k_base, o200k_base: row.o200k_base }).toEqual({
        text: corpus!.text, cl100k_base: corpus!.cl100k_base, o200k_base: corpus!.o200k_base,
      });
    }
    expect(TOKENS_CONFORMANCE_ROWS.some((row) => rows.find((r) => r.id === row.id)?.other_implementations_disagree)).toBe(true);
    for (const row of TOKENS_ENCODE_ROWS) {
      const corpus = rows.find((r) => r.id === row.id);
      expect({ text: row.text, cl100k_ids: row.cl100k_ids, o200k_ids: row.o200k_ids }, row.id).toEqual({
        text: corpus!.text, cl100k_ids: corpus!.cl100k_ids, o200k_ids: corpus!.o200k_ids,
      });
    }
    expect(tokensConformance.map((v) => v.name)).toEqual(expect.arrayContaining(["refuses abi_version 99", "refuses an unknown encoding", "an empty text counts 0"]));
  });

  it("accept the shipped modules (plain in a worker, hostio on the main thread) and the test modules", async () => {
    for (const name of ["tokens", "tokens-hostio", "testdata/tokens-faulty", "testdata/tokens-plus-one"]) {
      await expect(validateModule(SLOT_DEFINITIONS.tokens, DEFAULT_SLOT_CONFIG.tokens, builtModule(name)), name).resolves.toBeDefined();
    }
  });

  it("reject a module of another slot, naming the missing exports", async () => {
    await expect(validateModule(SLOT_DEFINITIONS.tokens, DEFAULT_SLOT_CONFIG.tokens, builtModule("router"))).rejects.toThrow(
      /missing export "count".*missing export "init".*missing export "encode"/,
    );
  });

  it("`sluice policy test tokens dist/policy-wasm/tokens.wasm` passes", async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const out: Buffer[] = [];
    stdout.on("data", (c: Buffer) => out.push(c));
    stderr.on("data", (c: Buffer) => out.push(c));
    const file = join(DIST, "tokens.wasm");
    const code = await policyCommand.run(["test", "tokens", file], { stdin: new PassThrough(), stdout, stderr });
    expect(Buffer.concat(out).toString()).toBe(`${file}: ok for slot tokens (exports, ABI, memory cap, conformance vectors)\n`);
    expect(code).toBe(0);
  });
});

describe("the shipped module speaks the slot ABI", () => {
  it.each([TOKENS, TOKENS_HOSTIO])("%s holds both tables and picks one per call", async (name) => {
    const tokens = new TokensSlot(await tokensSlot(name));
    const texts = SAMPLE.map((r) => r.text);
    // interleaved encodings on one instance
    for (let round = 0; round < 2; round++) {
      expect((await tokens.count("o200k_base", texts)).counts).toEqual(SAMPLE.map((r) => r.o200k_base));
      expect((await tokens.count("cl100k_base", texts)).counts).toEqual(SAMPLE.map((r) => r.cl100k_base));
    }
    const ids = await tokens.encode("cl100k_base", texts);
    expect(ids.exact).toBe(true);
    expect(ids.ids.map((list) => Array.from(list.subarray(0, 64)))).toEqual(SAMPLE.map((r) => r.cl100k_ids));
  });

  it("refuses a wrong abi_version and an unknown encoding with the module's message", async () => {
    const slot = await tokensSlot(TOKENS_HOSTIO);
    const abi = await slot.call(encodeTokensInput("cl100k_base", ["x"], 99));
    expect(abi).toMatchObject({ ok: false, failure: { kind: "module_error", message: expect.stringMatching(/unsupported abi_version/) } });
    const unknown = await slot.call(encodeTokensInput("p50k_base", ["x"]));
    expect(unknown).toMatchObject({ ok: false, failure: { kind: "module_error", message: expect.stringMatching(/unknown encoding/) } });
    // A module error is a clean refusal: the same plugin keeps serving.
    expect(slot.generations()).toBe(1);
    expect((await new TokensSlot(slot).count("o200k_base", ["hello world"])).counts).toEqual([2]);
  });

  it("refuses count before init, a second init, and a table given for one encoding only", async () => {
    const bytes = builtModule(TOKENS);
    const bare = await PolicyInstance.create({ bytes, info: inspectWasm(bytes), untrusted: false, timeoutMs: 250 });
    closers.push({ close: () => bare.drainAndClose() });
    await expect(bare.call("count", encodeTokensInput("cl100k_base", ["x"]))).rejects.toThrow(/init \(TokensInitInput with the rank tables\) must be called/);
    // one table only: that encoding counts, the other is refused
    const { rankBlob } = await import("../../../src/policy/tokens/rank-blob.js");
    await bare.call("init", encodeTokensInit([{ encoding: "cl100k_base", ranks: await rankBlob("cl100k_base") }]));
    expect(decodeTokensCount(await bare.call("count", encodeTokensInput("cl100k_base", ["hello world"])), 1)).toEqual([2]);
    await expect(bare.call("count", encodeTokensInput("o200k_base", ["x"]))).rejects.toThrow(/no rank table for this encoding/);
    await expect(bare.call("init", await tokensInitInput())).rejects.toThrow(/init was already called/);
  });

  it("initialises a worker-mode (untrusted) plugin too", async () => {
    const slot = await tokensSlot(TOKENS, { trusted: false, timeoutMs: 2000 });
    const texts = SAMPLE.map((r) => r.text);
    expect((await new TokensSlot(slot).count("o200k_base", texts)).counts).toEqual(SAMPLE.map((r) => r.o200k_base));
  });
});

describe("tokens slot failures", () => {
  const long = "The quick brown fox jumps over the lazy dog. ".repeat(4);

  it("fail open: a trap gives the documented estimate, then init runs again on a fresh plugin", async () => {
    const slot = await tokensSlot("testdata/tokens-faulty", { failMode: "open" });
    const tokens = new TokensSlot(slot);
    expect(await tokens.count("o200k_base", ["hello world"])).toMatchObject({ counts: [2], exact: true, failure: null });
    expect(slot.generations()).toBe(1);
    const texts = ["__trap__ hello", long];
    const failed = await tokens.count("o200k_base", texts);
    expect(failed).toMatchObject({ exact: false, failure: { kind: "trap", slot: "tokens" }, version: 1 });
    expect(failed.counts).toEqual([Math.ceil(14 / 4), Math.ceil(long.length / 4)]);
    expect(failed.counts).toEqual(texts.map(estimateTokens));
    // The trapped plugin was replaced; the new one got the tables again: counts are exact.
    const corpus = SAMPLE.map((r) => r.text);
    expect(await tokens.count("cl100k_base", corpus)).toMatchObject({ counts: SAMPLE.map((r) => r.cl100k_base), exact: true });
    expect(slot.generations()).toBe(2);
    const enc = await tokens.encode("o200k_base", ["__trap__"]);
    expect(enc).toMatchObject({ exact: false, failure: { kind: "trap" } });
    expect(enc.ids).toEqual([new Uint32Array(0)]);
  });

  it("worker mode: a call past its time limit fails open, and the fresh worker is initialised again", async () => {
    const slot = await tokensSlot("testdata/tokens-faulty", { failMode: "open", trusted: false, timeoutMs: 300 });
    const tokens = new TokensSlot(slot);
    expect(await tokens.count("cl100k_base", ["hello world"])).toMatchObject({ counts: [2], exact: true });
    const hung = await tokens.count("cl100k_base", ["__loop__"]);
    expect(hung).toMatchObject({ counts: [2], exact: false, failure: { kind: "timeout" } });
    const corpus = SAMPLE.map((r) => r.text);
    expect(await tokens.count("o200k_base", corpus)).toMatchObject({ counts: SAMPLE.map((r) => r.o200k_base), exact: true });
    expect(slot.generations()).toBe(2);
  });

  it("fail closed: a trap refuses with PolicyRefusedError, the next call counts", async () => {
    const tokens = new TokensSlot(await tokensSlot("testdata/tokens-faulty", { failMode: "closed" }));
    await expect(tokens.count("cl100k_base", ["__trap__"])).rejects.toBeInstanceOf(PolicyRefusedError);
    expect((await tokens.count("cl100k_base", ["hello world"])).counts).toEqual([2]);
  });
});

describe("tokens slot hot swap", () => {
  it("a pushed tokens module changes counts from the next call; rollback restores them", async () => {
    const store = new LocalVersionStore(mkdtempSync(join(tmpdir(), "sluice-tokens-")));
    const host = await PolicyHost.start({ slots: [{ slot: "tokens" }], store });
    closers.push(host);
    const tokens = host.tokens();
    const long = "Counting tokens exactly matters for limits and budgets. ".repeat(3); // > 100 bytes
    const before = (await tokens.count("o200k_base", [long, "short"])).counts;
    const pushed = await host.push("tokens", new Uint8Array(readFileSync(join(DIST, "testdata", "tokens-plus-one.wasm"))), "plus one");
    expect(pushed.version).toBe(2);
    expect((await tokens.count("o200k_base", [long, "short"])).counts).toEqual([before[0]! + 1, before[1]]);
    await host.rollback("tokens");
    expect(host.slot("tokens").current()?.version).toBe(1);
    expect((await tokens.count("o200k_base", [long, "short"])).counts).toEqual(before);
  });

  it("a module that fails conformance is not pushed", async () => {
    const store = new LocalVersionStore(mkdtempSync(join(tmpdir(), "sluice-tokens-")));
    const host = await PolicyHost.start({ slots: [{ slot: "tokens" }], store });
    closers.push(host);
    const err = await host.push("tokens", builtModule("testdata/broken")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PolicyValidationError);
    expect((await host.list("tokens")).versions.length).toBe(1);
  });
});
