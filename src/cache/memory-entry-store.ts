import { mkdir, open, readFile, rename } from "node:fs/promises";
import { dirname } from "node:path";
import { decodeEntry, encodeEntry, entryBytes, type CacheEntry } from "./entry.js";
import type { EntryStore } from "./entry-store.js";
import type { Logger } from "../core/logger.js";

/**
 * Entries in this process: an LRU bounded by bytes (a Map keeps insertion order; a read moves
 * the entry to the end), with TTL checked on read and by `sweep`. Optionally persisted to one
 * file on close and read back at start.
 */
export class MemoryEntryStore implements EntryStore {
  readonly kind = "memory";
  private readonly entries = new Map<string, { entry: CacheEntry; bytes: number }>();
  private bytes = 0;
  private readonly evictListeners: ((key: string) => void)[] = [];

  constructor(
    private readonly maxBytes: number,
    private readonly now: () => number = Date.now,
  ) {}

  get totalBytes(): number {
    return this.bytes;
  }

  get size(): number {
    return this.entries.size;
  }

  async get(key: string): Promise<CacheEntry | undefined> {
    const slot = this.entries.get(key);
    if (!slot) return undefined;
    if (slot.entry.expiresAt <= this.now()) {
      this.drop(key);
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, slot);
    return slot.entry;
  }

  async put(entry: CacheEntry): Promise<void> {
    this.putSync(entry);
  }

  private putSync(entry: CacheEntry): void {
    const bytes = entryBytes(entry);
    if (bytes > this.maxBytes) return; // larger than the whole budget: not cacheable
    const old = this.entries.get(entry.key);
    if (old) {
      this.entries.delete(entry.key);
      this.bytes -= old.bytes;
    }
    this.entries.set(entry.key, { entry, bytes });
    this.bytes += bytes;
    while (this.bytes > this.maxBytes) {
      const oldest = this.entries.keys().next().value as string;
      this.drop(oldest);
    }
  }

  async delete(key: string): Promise<void> {
    const slot = this.entries.get(key);
    if (!slot) return;
    this.entries.delete(key);
    this.bytes -= slot.bytes;
  }

  async *scan(): AsyncIterable<CacheEntry> {
    const now = this.now();
    for (const { entry } of [...this.entries.values()]) if (entry.expiresAt > now) yield entry;
  }

  async count(): Promise<number> {
    return this.entries.size;
  }

  onInsert(): void {
    // One process: nobody else inserts.
  }

  onEvict(listener: (key: string) => void): void {
    this.evictListeners.push(listener);
  }

  async sweep(now: number): Promise<void> {
    for (const [key, slot] of this.entries) if (slot.entry.expiresAt <= now) this.drop(key);
  }

  async close(): Promise<void> {}

  /** Writes live entries, least recently used first (so reloading keeps LRU order). */
  async save(file: string): Promise<void> {
    await mkdir(dirname(file), { recursive: true });
    const fh = await open(file + ".tmp", "w");
    try {
      const now = this.now();
      for (const { entry } of this.entries.values()) {
        if (entry.expiresAt <= now) continue;
        const body = encodeEntry(entry);
        const len = Buffer.alloc(4);
        len.writeUInt32BE(body.length);
        await fh.write(len);
        await fh.write(body);
      }
    } finally {
      await fh.close();
    }
    await rename(file + ".tmp", file);
  }

  /** Reads what `save` wrote; a damaged tail is dropped with a warning (earlier entries are kept). */
  async load(file: string, log: Logger): Promise<number> {
    let buf: Buffer;
    try {
      buf = await readFile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return 0;
      throw err;
    }
    let off = 0;
    let n = 0;
    const now = this.now();
    try {
      while (off < buf.length) {
        if (off + 4 > buf.length) throw new Error("truncated length");
        const len = buf.readUInt32BE(off);
        off += 4;
        if (off + len > buf.length) throw new Error("truncated entry");
        const entry = decodeEntry(buf.subarray(off, off + len));
        off += len;
        if (entry.expiresAt > now) {
          this.putSync(entry);
          n++;
        }
      }
    } catch (err) {
      log.warn({ file, loaded: n, err: String(err) }, "cache entries file is damaged; keeping the entries read before the damage");
    }
    return n;
  }

  private drop(key: string): void {
    const slot = this.entries.get(key);
    if (!slot) return;
    this.entries.delete(key);
    this.bytes -= slot.bytes;
    for (const l of this.evictListeners) l(key);
  }
}
