import type { IncomingHttpHeaders } from "node:http";
import type { RateLimitInfo } from "../core/provider.js";
import { headerValue } from "../upstream/headers.js";

/** How long a figure without a reset time is trusted: OpenAI's and Anthropic's windows are a minute. */
const DEFAULT_WINDOW_MS = 60_000;

/**
 * Reads the token rate-limit headers of the providers that send them:
 * - OpenAI and Azure OpenAI: `x-ratelimit-remaining-tokens`, `x-ratelimit-reset-tokens` (a Go-style
 *   duration such as `6m0s`, `1.5s` or `250ms`);
 * - Anthropic: `anthropic-ratelimit-input-tokens-remaining` (the input-token limit, what a large
 *   prompt runs into; `anthropic-ratelimit-tokens-remaining` when absent), with the matching `-reset`
 *   (an RFC 3339 time).
 * Gemini and Bedrock send none. Unparseable values are ignored (undefined), never guessed.
 */
export function readRateLimit(headers: IncomingHttpHeaders, now = Date.now()): RateLimitInfo | undefined {
  const openai = headerValue(headers["x-ratelimit-remaining-tokens"]);
  if (openai !== undefined) {
    const remaining = count(openai);
    if (remaining === undefined) return undefined;
    const reset = duration(headerValue(headers["x-ratelimit-reset-tokens"]));
    return { remainingTokens: remaining, resetAtMs: now + (reset ?? DEFAULT_WINDOW_MS) };
  }
  for (const [remainingHeader, resetHeader] of ANTHROPIC_HEADERS) {
    const value = headerValue(headers[remainingHeader]);
    if (value === undefined) continue;
    const remaining = count(value);
    if (remaining === undefined) return undefined;
    const resetAt = Date.parse(headerValue(headers[resetHeader]) ?? "");
    return { remainingTokens: remaining, resetAtMs: Number.isFinite(resetAt) && resetAt > now ? resetAt : now + DEFAULT_WINDOW_MS };
  }
  return undefined;
}

// Header names built once (this runs on every response).
const ANTHROPIC_HEADERS = ["anthropic-ratelimit-input-tokens", "anthropic-ratelimit-tokens"].map((p) => [`${p}-remaining`, `${p}-reset`] as const);

function count(value: string): number | undefined {
  return /^\s*\d+\s*$/.test(value) ? Number(value) : undefined;
}

const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, "µs": 0.001, ns: 0.000001 };

/** A Go-style duration (`1h2m3.5s`, `20ms`) in ms; undefined when it is not one. */
function duration(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (!/^(\d+(\.\d+)?(h|m|s|ms|us|µs|ns))+$/.test(text)) return undefined;
  let ms = 0;
  for (const [, n, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)/g)) ms += Number(n) * UNIT_MS[unit!]!;
  return ms;
}
