import type { ChatChunk, ChatRequest } from "../gen/sluice/v1/gateway_pb.js";
import type { ProviderConfig } from "../gen/sluice/v1/config_pb.js";

/**
 * The one interface every provider implements: canonical request in, canonical chunk
 * stream out. An adapter knows its provider's wire format and nothing about surfaces,
 * tenants, limits or routing. It lives here, at the bottom, because routing and the pipeline
 * hold adapters without knowing any provider; the implementations live in src/providers.
 *
 * Contract (checked by test/contract/provider-adapter.test.ts against every adapter):
 * - `chat` yields chunks in order; the first content chunk sets `role`; the chunk that ends
 *   the answer sets `finishReason`; usage, when the provider reports it, arrives on a chunk
 *   (normalised: `inputTokens` includes `cachedInputTokens`).
 * - When `stream` is false the adapter may answer in one chunk holding the whole answer.
 * - Failures are thrown as `SluiceError`: before the first chunk with the code the upstream
 *   failure maps to (see src/errors/upstream.ts), after it as `stream_interrupted`.
 * - Aborting `signal` stops the upstream request promptly and ends the iteration.
 */
export interface ProviderAdapter {
  /** The provider id from the config. */
  readonly id: string;
  readonly kind: string;
  chat(call: ProviderCall): AsyncIterable<ChatChunk>;
  /** Embeddings, for providers that serve them (absent: the provider does not). */
  embed?(call: EmbedCall): Promise<EmbedResult>;
  /** Models the adapter knows it serves, if it can tell without a network call. */
  knownModels?(): readonly string[];
  /** Closes pooled connections. */
  close(): Promise<void>;
}

export interface ProviderCall {
  request: ChatRequest;
  /** The provider's model name (the alias is already resolved). */
  model: string;
  /** Whether the caller wants a stream; adapters may stream upstream either way. */
  stream: boolean;
  signal: AbortSignal;
  /** Told what the provider's response headers say about its token rate limit, when they say it. */
  onRateLimit?: (info: RateLimitInfo) => void;
  /** W3C trace context of the attempt's span (`traceparent`, `tracestate`) to send upstream, when the provider propagates it. */
  traceHeaders?: Record<string, string> | undefined;
}

/**
 * What a provider said about its own rate limit on one response: the tokens its deployment can
 * still take in the current window, and when that window resets. The router slot receives it as
 * the candidate's `remaining_capacity`, so a module can steer a large request away from a
 * deployment that is about to answer 429.
 */
export interface RateLimitInfo {
  remainingTokens: number;
  /** Epoch ms when the provider's token window resets (the figure is stale after it). */
  resetAtMs: number;
}

export interface EmbedCall {
  model: string;
  inputs: string[];
  /** 0: the model's own size. */
  dimensions: number;
  signal: AbortSignal;
}

export interface EmbedResult {
  vectors: number[][];
  inputTokens: number;
  /** The model that answered, as the provider names it. */
  model: string;
}

export type AdapterFactory = (config: ProviderConfig) => ProviderAdapter;
