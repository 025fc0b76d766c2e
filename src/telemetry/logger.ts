import { pino, type DestinationStream, type Logger } from "pino";
import type { LineWriter } from "../core/logger.js";

/**
 * JSON logs (pino) on stdout. Fields that could carry secrets are redacted wherever they
 * appear; prompt text is never logged at all (log lines carry sizes and ids, not content).
 */
export function createLogger(level: string, options: { sharedOutput?: boolean } = {}): Logger {
  hookExit();
  const logger = pino(
    {
      level,
      base: { service: "sluice" },
      redact: {
        paths: ["authorization", "*.authorization", "api_key", "*.api_key", "apiKey", "*.apiKey", "headers.authorization"],
        censor: "[redacted]",
      },
    },
    // Buffered writes: one write(2) per batch of log lines, not one per request (system calls
    // are the dearest part of the request path on small VMs). `flush()` on shutdown.
    // `sharedOutput` (the processes of `--workers N` share one stdout): each write is whole lines
    // of at most PIPE_BUF (4096) bytes, which the kernel never interleaves with another
    // process's write, so no line is ever cut by another worker's.
    options.sharedOutput
      ? new LineBatches(stdoutBytes({ minLength: 2048, maxWrite: PIPE_BUF }), PIPE_BUF)
      : new LineBatches(stdoutBytes({ minLength: 4096 }), 64 * 1024),
  );
  // A quiet gateway's lines still show up within a second.
  setInterval(() => logger.flush(), 1000).unref();
  return logger;
}

/**
 * Pre-serialized lines (core LineWriter) in pino's own format and stream: `{"level":30,"time":...`,
 * the logger's bindings, the caller's fields, then `"msg"`. Uses pino's documented `symbols`
 * for the stream, time and bindings, so a child logger's bindings and a custom destination
 * (tests pass their own) are honoured.
 */
export function pinoLines(logger: Logger): LineWriter {
  const { streamSym, timeSym, chindingsSym } = pino.symbols;
  const internals = logger as unknown as Record<symbol, unknown>;
  return {
    enabled: (level) => logger.isLevelEnabled(level),
    write(level, fields, msg) {
      const time = (internals[timeSym] as () => string)();
      const bindings = internals[chindingsSym] as string;
      const line = `{"level":${logger.levels.values[level]}${time}${bindings},${fields},"msg":${JSON.stringify(msg)}}\n`;
      (internals[streamSym] as { write(s: string): void }).write(line);
    },
  };
}

/** Pino's stream to stdout (sonic-boom) in its buffer mode, which takes bytes (its types declare only strings). */
function stdoutBytes(options: { minLength: number; maxWrite?: number }): LineSink {
  return pino.destination({ dest: 1, sync: false, contentMode: "buffer", ...options }) as unknown as LineSink;
}

/** Bytes a write(2) to a pipe may have and still never interleave with another process's. */
const PIPE_BUF = 4096;

/** The part of pino's stream (sonic-boom, in its buffer mode) the batches write to. */
interface LineSink {
  write(data: Buffer): unknown;
  flush(cb?: (err?: Error) => void): void;
  flushSync(): void;
}

// One exit hook for every logger of the process (tests make many); weak, so a dropped logger goes.
const liveBatches = new Set<WeakRef<LineBatches>>();
let exitHooked = false;

/**
 * Pending batches go to the stream when the process ends: on `beforeExit` (the stream then
 * flushes and ends itself) and on `exit` (written synchronously). Installed before pino makes
 * its stream, so these run before the stream's own exit handling.
 */
function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.on("beforeExit", () => {
    for (const ref of liveBatches) ref.deref()?.passPending();
  });
  process.once("exit", () => {
    for (const ref of liveBatches) ref.deref()?.flushSync();
  });
}

/**
 * Log lines gathered into batches of up to `batchBytes` before they reach pino's stream
 * (sonic-boom), in order. Each line is encoded as UTF-8 into the batch's buffer as it comes, and
 * a full batch goes to the stream as those bytes (sonic-boom's buffer mode), so a line's text is
 * garbage as soon as it is written. Batched as strings, a line was measured for its UTF-8 length
 * three times (here, and twice by sonic-boom over the whole pending batch), joined into one
 * string per batch that lived across young collections (copied, then promoted), and encoded
 * again by the write: ~6 µs per access-log line, more than half of it the collector's
 * (bench/RESULTS.md, "Performance (issue 15)", session 8). Batches hold whole lines; a line
 * longer than a batch goes on its own. `flush` and `flushSync` pass the batch on first, and so
 * does process exit (pino flushes sonic-boom itself on exit).
 */
export class LineBatches implements DestinationStream {
  private buf: Buffer;
  private size = 0;

  constructor(
    private readonly out: LineSink,
    private readonly batchBytes: number,
  ) {
    this.buf = Buffer.allocUnsafeSlow(batchBytes);
    hookExit();
    liveBatches.add(new WeakRef(this));
  }

  write(line: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit: the exact length only when that bound does not fit.
    if (line.length * 3 > this.buf.length - this.size) {
      const n = Buffer.byteLength(line);
      if (n > this.buf.length - this.size) this.pass();
      if (n > this.buf.length) {
        this.out.write(Buffer.from(line, "utf8"));
        return;
      }
    }
    this.size += this.buf.write(line, this.size, "utf8");
    if (this.size === this.buf.length) this.pass();
  }

  flush(cb?: (err?: Error) => void): void {
    this.pass();
    this.out.flush(cb);
  }

  flushSync(): void {
    try {
      this.pass();
      this.out.flushSync();
    } catch {
      // Not open yet, or already closed: nothing more can be written.
    }
  }

  /** Hands what is pending to the stream (which writes it on its own schedule). */
  passPending(): void {
    try {
      this.pass();
    } catch {
      // The stream is closed: nothing more can be written.
    }
  }

  /** The batch's bytes go to the stream, which keeps them until written: the next batch gets a new buffer. */
  private pass(): void {
    if (this.size === 0) return;
    const batch = this.buf.subarray(0, this.size);
    this.buf = Buffer.allocUnsafeSlow(this.batchBytes);
    this.size = 0;
    this.out.write(batch);
  }
}
