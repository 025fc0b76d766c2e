// Builds the module's rank blob from js-tiktoken's rank files (the runtime dependency that ships
// them). js-tiktoken stores each rank file as lines "<prefix> <first rank> <base64 token>...";
// the blob is what assembly/ranks.ts loads once per instance (layout in its loadRanks comment).
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { encodeTokensInit } from "./codec.js";
import { ENCODINGS, patternId, type EncodingName } from "./encodings.js";

const RANKS_MAGIC = 0x31524b53; // "SKR1"
const require = createRequire(import.meta.url);

interface RankFile {
  bpe_ranks: string;
}

/**
 * js-tiktoken's rank file for `encoding`, read as text and parsed, not imported: an imported
 * module stays in the module cache for the life of the process (about 7 MiB of strings for the
 * two files), while this text is garbage once the blob is built (bench/RESULTS.md, "Performance").
 * The files are `export default {...}` / `module.exports = {...}` around one JSON object.
 */
async function loadRankFile(encoding: EncodingName): Promise<RankFile> {
  const text = await readFile(require.resolve(`js-tiktoken/ranks/${encoding}`), "utf8");
  return JSON.parse(text.slice(text.indexOf("{"), text.lastIndexOf("}") + 1)) as RankFile;
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

/** Decoded length of one base64 token. */
function base64Length(text: string, start: number, end: number): number {
  const n = end - start;
  const pad = n > 0 && text.charCodeAt(end - 1) === 61 ? (n > 1 && text.charCodeAt(end - 2) === 61 ? 2 : 1) : 0;
  return ((n * 3) >> 2) - pad;
}

/** Walks every "<prefix> <first rank> <token>..." line; calls `token(rank, start, end)` for each
 *  base64 token's position in `text` (no per-token strings or buffers). */
function forEachToken(text: string, token: (rank: number, start: number, end: number) => void): void {
  let lineStart = 0;
  while (lineStart < text.length) {
    let lineEnd = text.indexOf("\n", lineStart);
    if (lineEnd < 0) lineEnd = text.length;
    if (lineEnd > lineStart) {
      const prefixEnd = text.indexOf(" ", lineStart);
      const firstEnd = prefixEnd < 0 || prefixEnd >= lineEnd ? -1 : text.indexOf(" ", prefixEnd + 1);
      const first = firstEnd < 0 ? Number.NaN : Number.parseInt(text.slice(prefixEnd + 1, Math.min(firstEnd, lineEnd)), 10);
      if (!Number.isInteger(first)) throw new Error(`rank file: bad line start "${text.slice(lineStart, lineStart + 40)}"`);
      let rank = first;
      let at = firstEnd + 1;
      while (at <= lineEnd && firstEnd < lineEnd) {
        let end = text.indexOf(" ", at);
        if (end < 0 || end > lineEnd) end = lineEnd;
        token(rank++, at, end);
        at = end + 1;
      }
    }
    lineStart = lineEnd + 1;
  }
}

/** buildRankBlob(encoding, parseRanks(file)) in two passes over the text, writing each token
 *  straight into the blob, without a string or buffer per token: it runs at every start of the
 *  gateway (bench/RESULTS.md, "Token counting"). */
export function rankBlobFromFile(encoding: EncodingName, file: RankFile): Uint8Array {
  const text = file.bpe_ranks;
  let count = 0;
  let total = 0;
  forEachToken(text, (rank, start, end) => {
    const length = base64Length(text, start, end);
    if (length > 255) throw new Error(`rank file: a ${length}-byte token does not fit the blob's u8 length`);
    if (rank + 1 > count) count = rank + 1;
    total += length;
  });
  const blob = Buffer.alloc(12 + count + total);
  blob.writeUInt32LE(RANKS_MAGIC, 0);
  blob.writeUInt32LE(patternId(encoding), 4);
  blob.writeUInt32LE(count, 8);
  // Tokens are laid out in rank order: gather their positions first (ranks may come in any order).
  const starts = new Int32Array(count).fill(-1);
  const ends = new Int32Array(count);
  forEachToken(text, (rank, start, end) => {
    starts[rank] = start;
    ends[rank] = end;
  });
  let at = 12 + count;
  for (let rank = 0; rank < count; rank++) {
    const start = starts[rank]!;
    if (start < 0) continue; // a gap in the ranks: length 0, never matched
    const length = base64Length(text, start, ends[rank]!);
    blob[12 + rank] = length;
    const written = blob.write(text.slice(start, ends[rank]!), at, length, "base64");
    if (written !== length) throw new Error(`rank file: token of rank ${rank} is not valid base64`);
    at += length;
  }
  return new Uint8Array(blob.buffer, blob.byteOffset, blob.byteLength);
}

/** The blob for `encoding`, built from js-tiktoken's rank file (each call builds it anew: the
 *  init message below is what is kept, and only while something uses it). */
export async function rankBlob(encoding: EncodingName): Promise<Uint8Array> {
  return rankBlobFromFile(encoding, await loadRankFile(encoding));
}

// The init message (~2.3 MiB) and the two blobs it is built from (~2.2 MiB) were held for the life
// of the process: resident in every gateway whose config validates the tokens module at start-up
// (the default config) but never starts its lazy instance (bench/RESULTS.md, "Performance (issue
// 15)"). The blobs are no longer kept at all (only the message is used), and the message only
// through a weak reference: kept while a caller holds it, collectable after. A later start (the
// lazy instance's first call, a plugin recreated after a trap) builds it again if it was
// collected (~80 ms on a quiet machine).
let initInput: WeakRef<Uint8Array> | null = null;
let building: Promise<Uint8Array> | null = null;

/** The tokens slot's init message (TokensInitInput with both encodings' blobs): concurrent
 *  callers (every plugin the slot creates, and validation) share one build, and the same bytes
 *  while any of them still holds them. */
export function tokensInitInput(): Promise<Uint8Array> {
  const held = initInput?.deref();
  if (held) return Promise.resolve(held);
  if (!building) {
    const build = Promise.all(ENCODINGS.map(async (encoding) => ({ encoding, ranks: await rankBlob(encoding) }))).then((tables) => encodeTokensInit(tables));
    building = build;
    build.then(
      (bytes) => {
        initInput = new WeakRef(bytes);
        if (building === build) building = null;
      },
      () => {
        if (building === build) building = null;
      },
    );
  }
  return building;
}
