import { pino, type Logger } from "pino";
import type { LineWriter } from "../core/logger.js";

/**
 * JSON logs (pino) on stdout. Fields that could carry secrets are redacted wherever they
 * appear; prompt text is never logged at all (log lines carry sizes and ids, not content).
 */
export function createLogger(level: string, options: { sharedOutput?: boolean } = {}): Logger {
  const logger = pino(
    {
      level,
      base: { service: "sluice" },
      redact: {
        paths: ["authorization", "*.authorization", "api_key", "*.api_key", "apiKey", "*.apiKey", "headers.authorization"],
        censor: "[redacted]",
      },
    },
    // Buffered writes: one write(2) per 4 KiB of log lines, not one per request (system calls
    // are the dearest part of the request path on small VMs). `flush()` on shutdown.
    // `sharedOutput` (the processes of `--workers N` share one stdout): each write is whole lines
    // of at most PIPE_BUF (4096) bytes, which the kernel never interleaves with another
    // process's write, so no line is ever cut by another worker's.
    pino.destination(options.sharedOutput ? { dest: 1, sync: false, minLength: 2048, maxWrite: 4096 } : { dest: 1, sync: false, minLength: 4096 }),
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
