import type { AnswerStart } from "../../core/target.js";
import { CacheStatus, type GatewayMetadata } from "../../gen/sluice/v1/gateway_pb.js";
import type { ServerCall } from "../call.js";

/**
 * The `x-sluice-*` headers every REST chat surface (OpenAI's, Anthropic's) sends with an answer:
 * who answered, how many attempts, the cost and cache status (whole answers), the prompt version
 * and what context management did, and whether the guard flagged the request.
 */
export function answerHeaders(md: GatewayMetadata | undefined, call: ServerCall): Record<string, string> {
  const headers: Record<string, string> = {};
  if (md) {
    headers["x-sluice-provider"] = md.provider;
    headers["x-sluice-model"] = md.model;
    headers["x-sluice-attempts"] = String(md.attempts);
    headers["x-sluice-cost-usd"] = String(md.costUsd);
    headers["x-sluice-cache-status"] = cacheStatusNames[md.cacheStatus] ?? "none";
    if (md.prompt) headers["x-sluice-prompt"] = md.prompt;
    if (md.context) headers["x-sluice-context"] = md.context;
  }
  if (call.record.guard?.startsWith("flagged")) headers["x-sluice-guard"] = "flagged";
  return headers;
}

/**
 * A streamed answer's headers, and the `onAnswerStart` hook that fills in who answers before the
 * first chunk (cost and cache status are known only at the end: they come in the last event).
 */
export function streamAnswerHeaders(): { headers: Record<string, string>; onAnswerStart: (start: AnswerStart) => void } {
  const headers: Record<string, string> = { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" };
  return {
    headers,
    onAnswerStart: (start) => {
      headers["x-sluice-provider"] = start.provider;
      headers["x-sluice-model"] = start.model;
      headers["x-sluice-attempts"] = String(start.attempts);
      if (start.prompt) headers["x-sluice-prompt"] = start.prompt;
      if (start.context) headers["x-sluice-context"] = start.context;
    },
  };
}

const cacheStatusNames: Record<number, string> = {
  [CacheStatus.MISS]: "miss",
  [CacheStatus.HIT_EXACT]: "hit_exact",
  [CacheStatus.HIT_SEMANTIC]: "hit_semantic",
  [CacheStatus.BYPASS]: "bypass",
};
