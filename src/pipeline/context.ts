import { CacheStatus, type ChatChunk, type ChatRequest, type EmbedRequest, type EmbedResponse, type Usage } from "../gen/sluice/v1/gateway_pb.js";
import type { CallRecord } from "../core/call-record.js";
import type { Reservation } from "../limits/types.js";
import type { AttemptRecord } from "../core/attempt-record.js";
import type { AnswerStart, Target } from "../core/target.js";
import type { Principal } from "../core/principal.js";
import type { CanonicalUsage } from "../limits/pricing.js";
import type { ContextPolicy } from "../routing/models.js";

/** The operations of the gateway; each has its phase list in operations.ts. */
export type Operation = "chat" | "embed" | "count_tokens" | "list_models";

/** Input tokens of a chat request as its model's first target bills them. */
export interface TokenCount {
  inputTokens: number;
  encoding: string;
  /** False when the count is an estimate (no exact tokenizer for the provider, or the slot failed open). */
  exact: boolean;
  provider: string;
  model: string;
}

/**
 * Everything one request carries through the pipeline. Each phase reads what earlier phases
 * wrote and writes only its own fields; nothing here says which surface the request came from
 * except `surface`, an opaque label for metrics and logs.
 */
export interface RequestContext {
  readonly operation: Operation;
  /** The call's access record (made by the surface): settle fills it in, the surface logs it. */
  readonly record: CallRecord;
  readonly requestId: string;
  /** performance.now() when the surface handed the request over. */
  readonly startedAt: number;
  readonly surface: string;
  /** The bearer token as presented (undefined when none was sent). */
  readonly credentials: string | undefined;
  /** Fires when the caller goes away or the gateway gives up on the request. */
  readonly signal: AbortSignal;
  readonly stream: boolean;
  /** The model name the caller asked for (alias or provider/model); the prompt phase fills in a template's default. */
  model: string;
  /** prompt: the stored prompt template that was rendered into `request`. */
  prompt?: { id: string; version: number };
  /** chat, count_tokens: the canonical request; inspect replaces it with the rewritten one (placeholders, redactions). */
  request: ChatRequest;
  /** embed: the request, and the answer dispatch got. */
  readonly embedRequest: EmbedRequest | undefined;
  embedResponse?: EmbedResponse;
  /** count_tokens: the count. */
  tokenCount?: TokenCount;
  /** list_models: the models the principal may use. */
  modelList?: Array<{ id: string; providers: string[] }>;
  /** Called once when a target's answer starts, so a surface can put it in headers. */
  readonly onAnswerStart: ((start: AnswerStart) => void) | undefined;

  /** authenticate (or the surface, which authenticates before it reads the body) */
  principal?: Principal;
  /**
   * guard: what the guard slot decided (a detection that was flagged or logged, or "skipped" when
   * the module failed open) and the request's canary (added to the system prompt by the canary
   * phase, looked for in the answer). Undefined when the slot is off or found nothing.
   */
  guard?: {
    outcome?: "flagged" | "logged" | "skipped";
    label?: string;
    reasons?: string[];
    score?: number;
    canary?: string;
    canaryLeaked?: boolean;
  };
  /** inspect: placeholder -> original value, to restore in the answer. */
  placeholders?: ReadonlyMap<string, string>;
  /** resolve: the model's candidate targets; route: the ordered targets to try. */
  targets: Target[];
  /** resolve: how route chooses among the targets. */
  strategy: "weighted" | "ordered";
  /** resolve: the model's context window in tokens (0: not checked). */
  contextWindow: number;
  /** resolve: what admit does with a request that does not fit (absent: refuse it). */
  contextPolicy?: ContextPolicy;
  /** admit: what context-window management did (`dropped=12`, `fallback=long`), for the answer's headers and metadata. */
  contextAction?: string;
  /**
   * route, when the router policy slot routes the alias: who decided ("module"; "fallback" when
   * the module failed and the built-in order was used; "refused" when it failed closed), the
   * module's reason and the module version. Undefined when the built-in order alone decided.
   */
  routing?: { by: "module" | "fallback" | "refused"; reason: string; moduleVersion: number | null };
  /**
   * The answer. Dispatch sets it from a provider; an earlier phase (a cache hit) may set it
   * first, and then dispatch leaves it alone.
   */
  answer?: AsyncIterable<ChatChunk>;
  /** dispatch */
  attempts: AttemptRecord[];
  answeredBy?: { provider: string; model: string };
  /** performance.now() of the first upstream request and of the end of the upstream answer. */
  upstreamStartAt?: number;
  upstreamEndAt?: number;
  /** performance.now() when the first content chunk left the pipeline. */
  firstChunkAt?: number;
  /** The usage reported with the answer (folded from its chunks). */
  usage?: Usage;
  /** Characters of answer text sent (a usage estimate when a stream ends without usage). */
  outputChars: number;
  /** admit: input tokens counted before dispatch (0 when nothing needed them), and the reservation taken for it. */
  inputTokenEstimate: number;
  reservation?: Reservation;
  /** dispatch: the answering deployment's reservation, settled with the request's. */
  deploymentReservation?: Reservation;
  cacheStatus: CacheStatus;
  /**
   * settle: the usage the request is billed for (the provider's, or an estimate when a stream
   * ended without usage; undefined when no provider answered), and its cost.
   */
  billed?: CanonicalUsage;
  costUsd: number;
}

/**
 * A new context with every field present from the start: one object shape for every request
 * (fields added later would make V8 build a new hidden class per phase, which showed up in
 * profiles of the request path).
 */
export function newContext(init: {
  operation: Operation;
  record: CallRecord;
  credentials: string | undefined;
  principal: Principal | undefined;
  signal: AbortSignal;
  stream: boolean;
  model: string;
  request: ChatRequest;
  embedRequest?: EmbedRequest;
  onAnswerStart?: ((start: AnswerStart) => void) | undefined;
}): RequestContext {
  return {
    operation: init.operation,
    record: init.record,
    requestId: init.record.requestId,
    startedAt: performance.now(),
    surface: init.record.surface,
    credentials: init.credentials,
    signal: init.signal,
    stream: init.stream,
    model: init.model,
    request: init.request,
    embedRequest: init.embedRequest,
    embedResponse: undefined,
    tokenCount: undefined,
    modelList: undefined,
    onAnswerStart: init.onAnswerStart,
    principal: init.principal,
    placeholders: undefined,
    guard: undefined,
    prompt: undefined,
    targets: [],
    strategy: "ordered",
    contextWindow: 0,
    contextPolicy: undefined,
    contextAction: undefined,
    routing: undefined,
    answer: undefined,
    attempts: [],
    answeredBy: undefined,
    upstreamStartAt: undefined,
    upstreamEndAt: undefined,
    firstChunkAt: undefined,
    usage: undefined,
    outputChars: 0,
    inputTokenEstimate: 0,
    reservation: undefined,
    deploymentReservation: undefined,
    cacheStatus: CacheStatus.UNSPECIFIED,
    billed: undefined,
    costUsd: 0,
  };
}
