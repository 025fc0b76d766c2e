import { pino, type Logger } from "pino";

/**
 * JSON logs (pino) on stdout. Fields that could carry secrets are redacted wherever they
 * appear; prompt text is never logged at all (log lines carry sizes and ids, not content).
 */
export function createLogger(level: string): Logger {
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
    pino.destination({ dest: 1, sync: false, minLength: 4096 }),
  );
  // A quiet gateway's lines still show up within a second.
  setInterval(() => logger.flush(), 1000).unref();
  return logger;
}
