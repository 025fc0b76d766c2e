import type { ErrorCode } from "../errors/catalog.js";
import { asSluiceError, SluiceError } from "../errors/sluice-error.js";

/**
 * A JSON-RPC error as the MCP SDK's protocol layer sends it: thrown from a request handler, its
 * `code`, `message` and `data` become the response's `error` as they are (the SDK only needs
 * the fields). `data.code` is always the catalog code, `data.retry_after_s` is set when a retry
 * can succeed later.
 */
export class JsonRpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data: { code: ErrorCode; retry_after_s?: number },
  ) {
    super(message);
  }
}

/** JSON-RPC codes of the catalog codes an MCP caller can get; any other is -32000 (server error). */
const JSON_RPC_CODES: Partial<Record<ErrorCode, number>> = {
  not_found: -32602, // MCP: unknown tool is "Invalid params"
  invalid_request: -32602,
  upstream_timeout: -32001, // the SDK's RequestTimeout: SDK clients read it as a timeout
  internal: -32603,
};
const SERVER_ERROR = -32000;

/**
 * Any error at the JSON-RPC boundary: a SluiceError keeps its code and message (an upstream's
 * refusal keeps the upstream's JSON-RPC code), anything else is `internal` with no details.
 */
export function toJsonRpcError(err: unknown): JsonRpcError {
  const error = asSluiceError(err);
  const upstreamCode = error instanceof UpstreamRejection ? error.jsonRpcCode : undefined;
  const code = upstreamCode ?? JSON_RPC_CODES[error.code] ?? SERVER_ERROR;
  const data: JsonRpcError["data"] = { code: error.code };
  if (error.retryAfterS !== undefined) data.retry_after_s = Math.ceil(error.retryAfterS);
  return new JsonRpcError(code, error.code === "internal" ? "internal error" : error.message, data);
}

/** An upstream MCP server answered a call with a JSON-RPC error: passed on with its code and message. */
export class UpstreamRejection extends SluiceError {
  constructor(
    readonly jsonRpcCode: number,
    message: string,
  ) {
    super("upstream_rejected", message);
  }
}
