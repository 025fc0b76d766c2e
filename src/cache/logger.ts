/** The slice of pino's API the cache uses, so the gateway can pass its pino logger straight in. */
export interface Logger {
  warn(fields: object, msg: string): void;
  info(fields: object, msg: string): void;
}

export const consoleLogger: Logger = {
  warn: (fields, msg) => console.warn(`[cache] ${msg}`, fields),
  info: () => {},
};
