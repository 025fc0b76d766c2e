/**
 * Append-only JSON-lines ledger files, rotated by UTC day and by size:
 *
 *   <dir>/usage-2026-11-22.jsonl, usage-2026-11-22.1.jsonl, usage-2026-11-22.2.jsonl, ...
 *
 * The day is the day of the write. A file is never rewritten; when the next batch would push it
 * past `maxBytes`, writing moves to the next sequence number. Batches are written every
 * `flushIntervalMs` (one appendFile per batch, not per record); a failed write keeps the batch
 * and retries on the next flush.
 */
import { appendFile, mkdir, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { LedgerSink, UsageRecord } from "./ledger.js";

export interface FileLedgerOptions {
  dir: string;
  /** Default `usage`. */
  prefix?: string;
  /** Rotate when a file would pass this size. Default 64 MiB. */
  maxBytes?: number;
  /** Default 200 ms. */
  flushIntervalMs?: number;
  /** Injectable clock for tests (rotation by day). */
  now?: () => number;
  onError?: (err: unknown) => void;
}

const FILE_RE = /^(.+)-(\d{4}-\d{2}-\d{2})(?:\.(\d+))?\.jsonl$/;

export interface LedgerFile {
  path: string;
  day: string;
  seq: number;
}

/** Ledger files in `dir` with this prefix, oldest first. */
export async function listLedgerFiles(dir: string, prefix = "usage"): Promise<LedgerFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const files: LedgerFile[] = [];
  for (const name of names) {
    const m = FILE_RE.exec(name);
    if (!m || m[1] !== prefix) continue;
    files.push({ path: join(dir, name), day: m[2]!, seq: Number(m[3] ?? 0) });
  }
  return files.sort((a, b) => (a.day === b.day ? a.seq - b.seq : a.day < b.day ? -1 : 1));
}

export class FileLedgerSink implements LedgerSink {
  private readonly options: Required<Omit<FileLedgerOptions, "onError">> & Pick<FileLedgerOptions, "onError">;
  /**
   * Records waiting for the next flush, as JSON lines already encoded: bytes outside the JS heap.
   * Held as strings, a flush interval's records (~1,000 at a few thousand requests a second,
   * 200 ms) outlived several young-generation collections, were copied by each and promoted to
   * the old generation; as bytes they cost the collector nothing. A flush writes one buffer while
   * records go on arriving in the other (`spare`); flushes are serialized (`writing`).
   */
  private waiting = new LineBuffer();
  private spare = new LineBuffer();
  private current: { day: string; seq: number; size: number } | undefined;
  private writing: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(options: FileLedgerOptions) {
    // Per field, so an explicit `undefined` still gets the default.
    this.options = {
      dir: options.dir,
      prefix: options.prefix ?? "usage",
      maxBytes: options.maxBytes ?? 64 * 1024 * 1024,
      flushIntervalMs: options.flushIntervalMs ?? 200,
      now: options.now ?? Date.now,
      onError: options.onError,
    };
    this.timer = setInterval(() => void this.flush(), this.options.flushIntervalMs);
    this.timer.unref();
  }

  append(records: UsageRecord[]): void {
    for (const r of records) this.waiting.add(JSON.stringify(r) + "\n");
  }

  pending(): number {
    return this.waiting.lines;
  }

  /** Serialized: a flush waits for the one in progress, then writes what is left. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.waiting.lines === 0) return;
    this.writing = this.writeBuffered().finally(() => (this.writing = undefined));
    await this.writing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private async writeBuffered(): Promise<void> {
    const taken = this.waiting;
    this.waiting = this.spare;
    this.spare = taken;
    const bytes = taken.bytes();
    let done = 0; // bytes of `bytes` written: whole lines
    try {
      await mkdir(this.options.dir, { recursive: true });
      // The usual flush: every line fits in the current file.
      const first = await this.target();
      if (first.size + bytes.length <= this.options.maxBytes) {
        await appendFile(this.pathOf(first.day, first.seq), bytes);
        first.size += bytes.length;
        done = bytes.length;
        return;
      }
      // Past the file's size: line by line, into as many files as it takes.
      while (done < bytes.length) {
        const target = await this.target();
        // Take as many lines as fit in the current file (at least one: a file holds >= 1 line).
        let end = done;
        while (end < bytes.length) {
          const next = bytes.indexOf(0x0a, end) + 1; // every line ends with "\n"
          if ((end > done || target.size > 0) && target.size + (next - done) > this.options.maxBytes) break;
          end = next;
        }
        if (end === done) {
          this.current = { day: target.day, seq: target.seq + 1, size: 0 };
          continue;
        }
        await appendFile(this.pathOf(target.day, target.seq), bytes.subarray(done, end));
        target.size += end - done;
        done = end; // lines written so far are done even if a later chunk fails
      }
    } catch (err) {
      // What was not written goes back, before what arrived since.
      this.waiting.prepend(bytes.subarray(done));
      this.options.onError?.(err);
    } finally {
      taken.clear();
    }
  }

  private pathOf(day: string, seq: number): string {
    return join(this.options.dir, `${this.options.prefix}-${day}${seq === 0 ? "" : `.${seq}`}.jsonl`);
  }

  /** The file to append to: today's highest sequence (found on disk after a restart). */
  private async target(): Promise<{ day: string; seq: number; size: number }> {
    const day = new Date(this.options.now()).toISOString().slice(0, 10);
    if (this.current?.day === day) return this.current;
    const existing = (await listLedgerFiles(this.options.dir, this.options.prefix)).filter((f) => f.day === day);
    const last = existing[existing.length - 1];
    const size = last ? (await stat(last.path)).size : 0;
    this.current = { day, seq: last?.seq ?? 0, size };
    return this.current;
  }
}

/** JSON lines encoded as UTF-8 one after the other, in a buffer that grows and is kept. */
class LineBuffer {
  private buf = Buffer.allocUnsafe(64 * 1024);
  private size = 0;
  lines = 0;

  add(line: string): void {
    this.reserve(line.length * 3); // UTF-8 takes at most 3 bytes per UTF-16 unit
    this.size += this.buf.write(line, this.size);
    this.lines++;
  }

  /** Puts whole lines (bytes ending in "\n") before the ones held. */
  prepend(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.reserve(bytes.length);
    this.buf.copy(this.buf, bytes.length, 0, this.size);
    bytes.copy(this.buf, 0);
    this.size += bytes.length;
    for (let i = bytes.indexOf(0x0a); i !== -1; i = bytes.indexOf(0x0a, i + 1)) this.lines++;
  }

  /** The lines held (a view: valid until the next change). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.size);
  }

  clear(): void {
    this.size = 0;
    this.lines = 0;
  }

  private reserve(more: number): void {
    if (this.buf.length - this.size >= more) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.size + more));
    this.buf.copy(grown, 0, 0, this.size);
    this.buf = grown;
  }
}
