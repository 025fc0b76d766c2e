// Builds the module's rank blob from js-tiktoken's rank files (the runtime dependency that ships
// them). js-tiktoken stores each rank file as lines "<prefix> <first rank> <base64 token>...";
// the blob is what assembly/ranks.ts loads once per instance (layout in its loadRanks comment).
import { patternId, type EncodingName } from "./encodings.js";

const RANKS_MAGIC = 0x31524b53; // "SKR1"

interface RankFile {
  bpe_ranks: string;
}

async function loadRankFile(encoding: EncodingName): Promise<RankFile> {
  switch (encoding) {
    case "cl100k_base":
      return (await import("js-tiktoken/ranks/cl100k_base")).default as RankFile;
    case "o200k_base":
      return (await import("js-tiktoken/ranks/o200k_base")).default as RankFile;
  }
}

/** Parses js-tiktoken's compressed format into one byte string per rank (index = rank). */
export function parseRanks(file: RankFile): Uint8Array[] {
  const tokens: Uint8Array[] = [];
  for (const line of file.bpe_ranks.split("\n")) {
    if (line === "") continue;
    const fields = line.split(" ");
    const first = Number.parseInt(fields[1] ?? "", 10);
    if (!Number.isInteger(first)) throw new Error(`rank file: bad line start "${line.slice(0, 40)}"`);
    for (let i = 2; i < fields.length; i++) {
      tokens[first + i - 2] = Buffer.from(fields[i] ?? "", "base64");
    }
  }
  return tokens;
}

export function buildRankBlob(encoding: EncodingName, tokens: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const token of tokens) {
    const length = token?.length ?? 0;
    if (length > 255) throw new Error(`rank file: a ${length}-byte token does not fit the blob's u8 length`);
    total += length;
  }
  const count = tokens.length;
  const blob = new Uint8Array(12 + count + total);
  const view = new DataView(blob.buffer);
  view.setUint32(0, RANKS_MAGIC, true);
  view.setUint32(4, patternId(encoding), true);
  view.setUint32(8, count, true);
  let at = 12 + count;
  for (let rank = 0; rank < count; rank++) {
    const token = tokens[rank]; // undefined for a gap in the ranks: length 0, never matched
    blob[12 + rank] = token?.length ?? 0;
    if (token) {
      blob.set(token, at);
      at += token.length;
    }
  }
  return blob;
}

const cache = new Map<EncodingName, Promise<Uint8Array>>();

/** The blob for `encoding`, built once per process (parsing takes ~0.1-0.3 s). */
export function rankBlob(encoding: EncodingName): Promise<Uint8Array> {
  let blob = cache.get(encoding);
  if (!blob) {
    blob = loadRankFile(encoding).then((file) => buildRankBlob(encoding, parseRanks(file)));
    cache.set(encoding, blob);
    blob.catch(() => cache.delete(encoding));
  }
  return blob;
}
