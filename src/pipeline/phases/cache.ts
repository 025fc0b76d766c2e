import { CacheMode, CacheStatus, FinishReason, type ChatChunk, type ChatRequest } from "../../gen/sluice/v1/gateway_pb.js";
import { replayChunks, type CacheMode as LookupMode, type LookupResult, type ResponseCache } from "../../cache/index.js";
import { ResponseAssembler } from "../../core/canonical.js";
import type { RequestContext } from "../context.js";
import type { Phase } from "../phase.js";

const modes: Record<CacheMode, LookupMode> = {
  [CacheMode.UNSPECIFIED]: "use",
  [CacheMode.BYPASS]: "bypass",
  [CacheMode.REFRESH]: "refresh",
};

const statuses: Record<LookupResult["status"], CacheStatus> = {
  hit_exact: CacheStatus.HIT_EXACT,
  hit_semantic: CacheStatus.HIT_SEMANTIC,
  miss: CacheStatus.MISS,
  bypass: CacheStatus.BYPASS,
};

interface Pending {
  request: ChatRequest;
  mode: LookupMode;
  lookup: LookupResult;
  assembler: ResponseAssembler;
}

/**
 * The response cache (exact, then semantic; scoped to the tenant). Before dispatch: a hit
 * becomes the answer, replayed as chunks (a streaming client gets a stream, usage shows zero
 * upstream tokens), and dispatch is skipped. After a miss, the answer is folded as it passes
 * and stored once it completed; a stream that failed midway is never stored. The cache sits
 * before the respond phase, so it stores the answer as the provider gave it (placeholders,
 * not personal data).
 */
export function cachePhase(cache: ResponseCache): Phase {
  const pending = new WeakMap<RequestContext, Pending>();
  return {
    name: "cache",
    async onRequest(ctx) {
      const mode = modes[ctx.request.cache] ?? "use";
      const tenant = ctx.principal!.tenant;
      const lookup = await cache.lookup(ctx.request, tenant, mode);
      ctx.cacheStatus = statuses[lookup.status];
      if (lookup.response && (lookup.status === "hit_exact" || lookup.status === "hit_semantic")) {
        ctx.answer = fromArray(replayChunks(lookup.response, ctx.cacheStatus, { requestId: ctx.requestId }));
        return;
      }
      if (lookup.status === "miss") pending.set(ctx, { request: ctx.request, mode, lookup, assembler: new ResponseAssembler() });
    },
    onChunk(ctx, chunk) {
      pending.get(ctx)?.assembler.add(chunk);
    },
    onSettle(ctx, error) {
      const p = pending.get(ctx);
      if (!p || error) return;
      const response = p.assembler.response();
      if (response.finishReason === FinishReason.UNSPECIFIED) return;
      response.usage = ctx.usage;
      // Not awaited: storing (embedding, Redis) is off the response path; it never throws.
      void cache.store(p.request, ctx.principal!.tenant, response, p.mode, p.lookup);
    },
  };
}

async function* fromArray(chunks: ChatChunk[]): AsyncGenerator<ChatChunk> {
  yield* chunks;
}
