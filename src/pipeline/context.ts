import { CacheStatus, type ChatChunk, type ChatRequest, type Usage } from "../gen/sluice/v1/gateway_pb.js";
import type { ProviderAdapter } from "../providers/adapter.js";
import type { ErrorCode } from "../errors/catalog.js";
import type { LimitScope, Reservation } from "../limits/types.js";
import type { CanonicalUsage } from "../limits/pricing.js";

/** Who is calling: resolved from the API key by the authenticate phase. */
export interface Principal {
  tenant: string;
  keyId: string;
  /** Whether the principal may use a model name (alias or provider/model). */
  mayUse(model: string): boolean;
  /** Limit scopes to admit the request against (key, tenant); empty when unlimited. */
  scopes: LimitScope[];
  /** Default tags of the key. */
  tags: Record<string, string>;
}

/** One place a request can be sent: a provider adapter and the provider's model name. */
export interface Target {
  provider: ProviderAdapter;
  model: string;
  weight: number;
  /** Limits the gateway enforces on each attempt at this target, in ms (0: none of its own). */
  timeouts: { firstTokenMs: number; idleMs: number; totalMs: number };
  /** The provider deployment's own rate limits (`providers[].limits`), when it has any. */
  limitScope?: LimitScope;
}

/** Which target answered, told to the surface when the answer starts (before its first chunk). */
export interface AnswerStart {
  provider: string;
  model: string;
  attempts: number;
}

export interface Attempt {
  provider: string;
  model: string;
  /** Catalog code of the failure, or "ok". */
  outcome: ErrorCode | "ok";
  ms: number;
}

/**
 * Everything one request carries through the pipeline. Each phase reads what earlier phases
 * wrote and writes only its own fields; nothing here says which surface the request came from
 * except `surface`, an opaque label for metrics and logs.
 */
export interface RequestContext {
  readonly requestId: string;
  /** performance.now() when the surface handed the request over. */
  readonly startedAt: number;
  readonly surface: string;
  /** The bearer token as presented (undefined when none was sent). */
  readonly credentials: string | undefined;
  /** Fires when the caller goes away or the gateway gives up on the request. */
  readonly signal: AbortSignal;
  readonly stream: boolean;
  /** The canonical request; inspect replaces it with the rewritten one (placeholders, redactions). */
  request: ChatRequest;
  /** Called once when a target's answer starts, so a surface can put it in headers. */
  readonly onAnswerStart: ((start: AnswerStart) => void) | undefined;

  /** authenticate */
  principal?: Principal;
  /** inspect: placeholder -> original value, to restore in the answer. */
  placeholders?: ReadonlyMap<string, string>;
  /** resolve: the model's candidate targets; route: the ordered targets to try. */
  targets: Target[];
  /** resolve: how route chooses among the targets. */
  strategy: "weighted" | "ordered";
  /** resolve: the model's context window in tokens (0: not checked). */
  contextWindow: number;
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
  attempts: Attempt[];
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
  requestId: string;
  surface: string;
  credentials: string | undefined;
  signal: AbortSignal;
  stream: boolean;
  request: ChatRequest;
  onAnswerStart: ((start: AnswerStart) => void) | undefined;
}): RequestContext {
  return {
    requestId: init.requestId,
    startedAt: performance.now(),
    surface: init.surface,
    credentials: init.credentials,
    signal: init.signal,
    stream: init.stream,
    request: init.request,
    onAnswerStart: init.onAnswerStart,
    principal: undefined,
    placeholders: undefined,
    targets: [],
    strategy: "ordered",
    contextWindow: 0,
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
