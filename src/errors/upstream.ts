import { SluiceError } from "./sluice-error.js";
import type { ErrorCode } from "./catalog.js";

/**
 * The one table from a provider's HTTP status to a catalog code. Adapters call
 * `upstreamStatusError` with the provider's status and its own (already extracted) message;
 * the message is passed on because provider messages explain the client's mistakes
 * ("max_tokens is too large"), while the provider's credentials problems are not the
 * client's business and are reported as `upstream_unavailable` with a generic text.
 */
const statusTable: ReadonlyArray<[test: (s: number) => boolean, code: ErrorCode, passMessage: boolean]> = [
  [(s) => s === 400 || s === 404 || s === 409 || s === 413 || s === 422, "upstream_rejected", true],
  [(s) => s === 401 || s === 403, "upstream_unavailable", false],
  [(s) => s === 408, "upstream_timeout", false],
  [(s) => s === 429, "rate_limited", true],
  [(s) => s === 504 || s === 524, "upstream_timeout", false],
  [(s) => s >= 500, "upstream_unavailable", true],
];

export function upstreamStatusError(
  provider: string,
  status: number,
  message: string | undefined,
  retryAfterS?: number,
): SluiceError {
  for (const [test, code, passMessage] of statusTable) {
    if (test(status)) {
      const text = passMessage && message ? `${provider}: ${message}` : `${provider} answered HTTP ${status}`;
      return new SluiceError(code, text, retryAfterS === undefined ? undefined : { retryAfterS });
    }
  }
  return new SluiceError("upstream_unavailable", `${provider} answered HTTP ${status}`);
}

/** A `retry-after` header in seconds (HTTP dates are not used by model providers); undefined when absent or malformed. */
export function parseRetryAfter(value: string | undefined): number | undefined {
  return value !== undefined && /^\d+(\.\d+)?$/.test(value) ? Number(value) : undefined;
}

/** Whether another attempt (retry or fallback target) may succeed where this one failed. */
export function isRetryable(err: SluiceError): boolean {
  return err.code === "upstream_unavailable" || err.code === "upstream_timeout" || err.code === "rate_limited";
}
