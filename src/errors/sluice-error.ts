import { ConnectError } from "@connectrpc/connect";
import { errorCatalog, type ErrorCode } from "./catalog.js";

/**
 * The one error type below the server: a catalog code, a message safe to show the client,
 * and optionally the cause (logged, never sent). Surfaces convert it at their boundary:
 * `toConnectError` for gRPC/Connect, `toOpenAIErrorBody` for REST.
 */
export class SluiceError extends Error {
  override readonly name = "SluiceError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: {
      cause?: unknown;
      /** Seconds the client should wait before retrying (429/503), sent as retry-after. */
      retryAfterS?: number;
      /** The request field the error is about (OpenAI's `error.param`). */
      param?: string;
    },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.retryAfterS = options?.retryAfterS;
    this.param = options?.param;
  }
  readonly retryAfterS: number | undefined;
  readonly param: string | undefined;

  get httpStatus(): number {
    return errorCatalog[this.code].http;
  }
}

/** Anything thrown becomes a SluiceError; unknown failures become `internal` (details stay in the log). */
export function asSluiceError(err: unknown): SluiceError {
  if (err instanceof SluiceError) return err;
  return new SluiceError("internal", "internal error", { cause: err });
}

export function toConnectError(err: SluiceError): ConnectError {
  const ce = new ConnectError(err.message, errorCatalog[err.code].connect, undefined, undefined, err);
  ce.metadata.set("sluice-error-code", err.code);
  if (err.retryAfterS !== undefined) ce.metadata.set("retry-after", String(Math.ceil(err.retryAfterS)));
  return ce;
}

/** OpenAI's error body: `{ error: { message, type, param, code } }`. */
export function toOpenAIErrorBody(err: SluiceError): string {
  return JSON.stringify({
    error: {
      message: err.message,
      type: errorCatalog[err.code].type,
      param: err.param ?? null,
      code: err.code,
    },
  });
}
