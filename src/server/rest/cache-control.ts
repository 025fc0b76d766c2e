import type { CacheBreakpoint, ContentPart } from "../../gen/sluice/v1/gateway_pb.js";
import { SluiceError } from "../../errors/sluice-error.js";

/**
 * Anthropic's `cache_control: {type: "ephemeral", ttl?: "5m" | "1h"}` -> a canonical prompt-caching
 * breakpoint. The Anthropic surface reads it where Anthropic allows it; the OpenAI surface reads it
 * on content parts and tools too (the convention OpenAI-format clients of Claude use), so either
 * kind of client keeps Anthropic's and Bedrock's prompt caching through the gateway.
 */
export function decodeCacheControl(value: unknown, at: string): CacheBreakpoint | undefined {
  if (value === undefined || value === null) return undefined;
  const c = value as Record<string, unknown>;
  if (typeof value !== "object" || Array.isArray(value) || c.type !== "ephemeral") {
    throw new SluiceError("invalid_request", `${at}: cache_control must be {"type": "ephemeral"} with an optional ttl`, { param: at });
  }
  const ttl = c.ttl ?? "";
  if (ttl !== "" && ttl !== "5m" && ttl !== "1h") throw new SluiceError("invalid_request", `${at}.ttl: must be "5m" or "1h"`, { param: `${at}.ttl` });
  return { $typeName: "sluice.v1.CacheBreakpoint", ttl: ttl as string };
}

/** The part with the breakpoint set, when there is one. */
export function withCache(part: ContentPart, cache: CacheBreakpoint | undefined): ContentPart {
  return cache ? { ...part, cache } : part;
}
