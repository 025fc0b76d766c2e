import { pino, type Logger } from "pino";

export type { Logger };

/**
 * JSON logs (pino) on stdout. Fields that could carry secrets are redacted wherever they
 * appear; prompt text is never logged at all (log lines carry sizes and ids, not content).
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: "sluice" },
    redact: {
      paths: ["authorization", "*.authorization", "api_key", "*.api_key", "apiKey", "*.apiKey", "headers.authorization"],
      censor: "[redacted]",
    },
  });
}
