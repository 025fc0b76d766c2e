import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeEntry, encodeEntry, type CacheEntry } from "../../../src/cache/entry.js";
import { MemoryEntryStore } from "../../../src/cache/memory-entry-store.js";
import { recordingLogger } from "./support/messages.js";

const entry = (key: string, expiresAt = Number.MAX_SAFE_INTEGER, vector = true): CacheEntry => ({
  key,
  tenant: "acme",
  namespace: "ns",
  createdAt: 1,
  expiresAt,
  ...(vector ? { embedder: "builtin-lexical/4", vector: Float32Array.from([0.5, -0.5, 0.5, -0.5]) } : {}),
  response: Uint8Array.from([1, 2, 3, key.length]),
});

describe("cache entries", () => {
  it("encode/decode round-trips every field, with and without a vector", () => {
    for (const e of [entry("k1"), entry("k2", 5, false)]) expect(decodeEntry(encodeEntry(e))).toEqual(e);
    expect(() => decodeEntry(Uint8Array.from([1, 2, 3]))).toThrow(/not a cache entry/);
  });

  it("the memory store persists live entries and keeps the readable part of a damaged file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-entries-"));
    const file = join(dir, "entries.bin");
    const a = new MemoryEntryStore(1 << 20);
    for (const k of ["a", "b", "c"]) await a.put(entry(k));
    await a.put(entry("expired", 0));
    await a.save(file);

    const b = new MemoryEntryStore(1 << 20);
    expect(await b.load(file, recordingLogger())).toBe(3);
    expect((await b.get("b"))?.response).toEqual(entry("b").response);

    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, bytes.length - 10)); // torn write: last entry cut
    const log = recordingLogger();
    const c = new MemoryEntryStore(1 << 20);
    expect(await c.load(file, log)).toBe(2);
    expect(log.warnings.length).toBe(1);
  });

  it("the memory store never keeps an entry larger than its whole budget", async () => {
    const s = new MemoryEntryStore(100);
    await s.put({ ...entry("big"), response: new Uint8Array(1000) });
    expect(await s.get("big")).toBeUndefined();
    expect(s.totalBytes).toBe(0);
  });
});
