// The tokens slot's conformance vectors. A module filling the slot must count
// these corpus rows (test/fixtures/tokens/tokens.jsonl, reference counts from the official
// tiktoken bindings) exactly with both encodings, and refuse what it cannot honour.
// test/unit/policy/tokens-slot.test.ts checks that the rows below are still the corpus's.
import { outputVector, refusalVector, sameJson, type ConformanceVector } from "../host/conformance.js";
import { decodeTokensCount, decodeTokensEncode, encodeTokensInput } from "./codec.js";
import type { EncodingName } from "./encodings.js";

interface TokensConformanceRow {
  id: string;
  text: string;
  cl100k_base: number;
  o200k_base: number;
}

export const TOKENS_CONFORMANCE_ROWS: readonly TokensConformanceRow[] = [
  // Zero-width characters and U+FEFF: not White_Space for tiktoken's regex (gpt-tokenizer,
  // a pure-JS port, counts 14 / 12 here).
  { id: "edge-038", text: "a\u200bb\u200cc\u200dd\ufeffe\u2060f", cl100k_base: 13, o200k_base: 11 },
  { id: "edge-039", text: "\ufeffBOM at start", cl100k_base: 5, o200k_base: 5 },
  { id: "multilingual_mt-009", text: "\u00bfCu\u00e1l es la contrase\u00f1a?", cl100k_base: 7, o200k_base: 6 },
  // Special-token strings are plain text (encode_ordinary).
  { id: "edge-027", text: "hello <|endoftext|> world", cl100k_base: 8, o200k_base: 9 },
  { id: "edge_ws-002", text: "a\fb \f\f0 x\f\n\fy \f", cl100k_base: 13, o200k_base: 14 },
  { id: "edge-029", text: "<|fim_prefix|>def foo():\n<|fim_suffix|>\n    return 1<|fim_middle|>", cl100k_base: 28, o200k_base: 25 },
];

/** Rows whose full id lists `encode` must return (from the corpus; pure-JS ports get edge-038 wrong). */
export const TOKENS_ENCODE_ROWS: readonly { id: string; text: string; cl100k_ids: number[]; o200k_ids: number[] }[] = [
  {
    id: "edge-038",
    text: "a\u200bb\u200cc\u200dd\ufeffe\u2060f",
    cl100k_ids: [64, 16067, 65, 90464, 66, 378, 235, 67, 3305, 68, 53233, 254, 69],
    o200k_ids: [64, 3310, 65, 2465, 66, 2524, 67, 5574, 68, 140605, 69],
  },
  {
    id: "multilingual_mt-009",
    text: "\u00bfCu\u00e1l es la contrase\u00f1a?",
    cl100k_ids: [31282, 45919, 19540, 1560, 1208, 66537, 30],
    o200k_ids: [102091, 6568, 878, 557, 111361, 30],
  },
];

function encodeVector(encoding: EncodingName, ids: (row: (typeof TOKENS_ENCODE_ROWS)[number]) => number[]): ConformanceVector {
  const texts = TOKENS_ENCODE_ROWS.map((r) => r.text);
  const expected = TOKENS_ENCODE_ROWS.map(ids);
  return outputVector(
    `encode: the ids of corpus rows, ${encoding}`,
    encodeTokensInput(encoding, texts),
    (output) => decodeTokensEncode(output, texts.length).map((a) => [...a]),
    (got) => sameJson(got, expected, "ids"),
    "encode",
  );
}

function countVector(name: string, encoding: EncodingName, texts: string[], expected: number[]): ConformanceVector {
  return outputVector(name, encodeTokensInput(encoding, texts), (output) => decodeTokensCount(output, texts.length), (counts) =>
    sameJson(counts, expected, "counts"));
}

const texts = TOKENS_CONFORMANCE_ROWS.map((r) => r.text);

export const tokensConformance: readonly ConformanceVector[] = [
  countVector("corpus rows, cl100k_base", "cl100k_base", texts, TOKENS_CONFORMANCE_ROWS.map((r) => r.cl100k_base)),
  countVector("corpus rows, o200k_base", "o200k_base", texts, TOKENS_CONFORMANCE_ROWS.map((r) => r.o200k_base)),
  countVector("an empty text counts 0", "o200k_base", ["", "a"], [0, 1]),
  countVector("no texts, no counts", "cl100k_base", [], []),
  encodeVector("cl100k_base", (r) => r.cl100k_ids),
  encodeVector("o200k_base", (r) => r.o200k_ids),
  refusalVector("refuses abi_version 99", encodeTokensInput("cl100k_base", ["hello"], 99), "accepted it"),
  refusalVector("refuses an unknown encoding", encodeTokensInput("p50k_base", ["hello"]), "accepted it"),
];
