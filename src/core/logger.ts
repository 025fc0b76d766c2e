/**
 * The slice of a structured logger that Sluice's parts use: fields first, then the message
 * (pino's order, so the gateway's pino logger is passed straight in; tests pass their own).
 * Log fields carry ids, sizes and codes, never prompt or answer text.
 */
export interface Logger {
  debug(fields: object, msg: string): void;
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
}

/**
 * Lines whose fields the caller has serialized itself (a JSON object's members without the
 * braces), written in the logger's format with its level, time and bindings: for the access
 * log, one line per request, where generic serialization showed in profiles.
 */
export interface LineWriter {
  enabled(level: "debug" | "info"): boolean;
  write(level: "debug" | "info", fields: string, msg: string): void;
}

/** Warnings and errors to the console: for parts used on their own (benchmarks, tests) with no logger given. */
export const consoleLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: (fields, msg) => console.warn(msg, fields),
  error: (fields, msg) => console.error(msg, fields),
};
