import type { IncomingHttpHeaders } from "node:http";
import { ROOT_CONTEXT, SamplingDecision, SpanKind, TraceFlags, defaultTextMapGetter, trace, type Context, type Sampler, type SpanContext, type TextMapPropagator, type TraceState } from "@opentelemetry/api";
import type { ChatChunk, ChatRequest } from "../../gen/sluice/v1/gateway_pb.js";
import type { CallRecord } from "../../core/call-record.js";
import type { AttemptTrace, RequestTrace, TraceAttributes } from "../../core/trace.js";
import { finishReason, inputMessages, operationName, outputMessages, providerName, setRequestAttributes } from "./genai.js";
import { RecordedSpan, SpanKindCode, nowMs } from "./recorded-span.js";
import type { SpanBatches } from "./span-batches.js";
import type { TracingSettings } from "./settings.js";

/** How a request arrived, for its server span. */
export interface ArrivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** RPCs: the protocol ("grpc", "grpc-web", "connect"); absent for REST. */
  rpcProtocol?: string;
}

/** How the response ended, for the end of the server span. */
export interface EndedResponse {
  status: number;
  /** RPCs: the gRPC/Connect code ("ok", "unavailable", ...). */
  rpcCode: string | undefined;
  aborted: boolean;
  record: CallRecord;
}

/** Makes trace and span ids (the SDK's IdGenerator interface; span-ids.ts). */
export interface IdGenerator {
  generateTraceId(): string;
  generateSpanId(): string;
}

/** Polled all the time: no spans. */
const UNTRACED_PATHS = new Set(["/healthz", "/readyz", "/metrics"]);

/**
 * The gateway's tracer: a server span per request (continuing the caller's W3C trace context),
 * made by the server, handed down on the call record as a core `RequestTrace`. The SDK decides
 * (its samplers), reads the callers' W3C headers (its propagator) and sends (its OTLP
 * transports); a sampled span records into a plain `RecordedSpan` that is encoded the moment it
 * ends (span-batches.ts). No global context manager: parents are passed explicitly, so tracing
 * adds no async-context cost.
 */
export class Tracing {
  constructor(
    private readonly sampler: Sampler,
    private readonly ids: IdGenerator,
    private readonly propagator: TextMapPropagator,
    private readonly batches: SpanBatches,
    private readonly settings: TracingSettings,
  ) {}

  /** The request's span, or undefined for the operational endpoints. */
  startRequest(req: ArrivedRequest): RequestSpan | undefined {
    if (UNTRACED_PATHS.has(req.path)) return undefined;
    let parentContext = ROOT_CONTEXT;
    let parent: SpanContext | undefined;
    if (req.headers.traceparent !== undefined) {
      parentContext = this.propagator.extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter);
      parent = trace.getSpanContext(parentContext);
    }
    const rpc = req.rpcProtocol;
    // "/sluice.v1.GatewayService/Chat" for RPCs
    const name = rpc ? req.path.slice(1) : `${req.method} ${req.path}`;
    const traceId = parent?.traceId ?? this.ids.generateTraceId();
    const span = this.start(parentContext, traceId, parent?.spanId ?? "", parent !== undefined, parent?.traceState, name);
    const recorded = span.recorded;
    if (recorded) {
      if (rpc) {
        const slash = req.path.lastIndexOf("/");
        recorded.set("rpc.system", rpc === "grpc" ? "grpc" : "connect_rpc");
        recorded.set("rpc.service", req.path.slice(1, slash));
        recorded.set("rpc.method", req.path.slice(slash + 1));
        recorded.set("sluice.protocol", rpc);
      } else {
        recorded.set("http.request.method", req.method);
        recorded.set("url.path", req.path);
      }
    }
    return new RequestSpan(this, span, rpc === undefined);
  }

  /** A client span for one upstream attempt, child of `parent`. */
  startAttempt(parent: RequestSpan, providerId: string, providerKind: string, model: string, request: ChatRequest): AttemptSpan {
    const provider = this.settings.providers.get(providerId);
    const span = this.child(parent, `chat ${model}`);
    const recorded = span.recorded;
    if (recorded) {
      recorded.set("gen_ai.operation.name", "chat");
      recorded.set("gen_ai.provider.name", providerName(providerKind));
      recorded.set("sluice.provider", providerId);
      recorded.setDefined("server.address", provider?.address);
      recorded.setDefined("server.port", provider?.port);
      setRequestAttributes(recorded, model, request);
    }
    const headers = provider?.propagate ? traceHeaders(span.context) : undefined;
    return new AttemptSpan(span.recorded, this, headers, parent.captureContent ? inputMessages(request) : undefined);
  }

  get captureContent(): boolean {
    return this.settings.captureContent;
  }

  /** A sampled span's end: into the next export. */
  ended(span: RecordedSpan): void {
    this.batches.add(span);
  }

  /** Flushes what is queued and stops the exporter. */
  shutdown(): Promise<void> {
    return this.batches.shutdown();
  }

  /**
   * The request's (server) span: asks the sampler; records only a sampled span (nothing would
   * export the others). The SDK's samplers decide on the trace id and the parent, never on
   * attributes: the span's are set after.
   */
  private start(parentContext: Context, traceId: string, parentSpanId: string, parentIsRemote: boolean, parentState: TraceState | undefined, name: string): StartedSpan {
    const spanId = this.ids.generateSpanId();
    const result = this.sampler.shouldSample(parentContext, traceId, name, SpanKind.SERVER, NO_ATTRIBUTES, []);
    const traceState = result.traceState ?? parentState;
    const sampled = result.decision === SamplingDecision.RECORD_AND_SAMPLED;
    const context: SpanContext = { traceId, spanId, traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE };
    if (traceState) context.traceState = traceState;
    if (!sampled) return { context, recorded: undefined };
    const recorded = new RecordedSpan(traceId, spanId, parentSpanId, traceState?.serialize() ?? "", name, SpanKindCode.SERVER, parentIsRemote);
    if (result.attributes) recorded.setAll(result.attributes as TraceAttributes);
    return { context, recorded };
  }

  /**
   * A child of the request's span (an attempt), sampled as its parent was. Every sampler this
   * configuration offers decides a local child exactly so: the parent-based ones follow a local
   * parent's decision, and always_on, always_off and traceidratio decide on the trace id, which
   * the child shares. So the sampler is not asked again (nor a context built for it).
   */
  private child(parent: RequestSpan, name: string): StartedSpan {
    const spanId = this.ids.generateSpanId();
    const { traceId, traceFlags, traceState } = parent.spanContext;
    const context: SpanContext = { traceId, spanId, traceFlags };
    if (traceState) context.traceState = traceState;
    if (!(traceFlags & TraceFlags.SAMPLED)) return { context, recorded: undefined };
    return { context, recorded: new RecordedSpan(traceId, spanId, parent.spanId, traceState?.serialize() ?? "", name, SpanKindCode.CLIENT, false) };
  }
}

/**
 * `traceparent` and `tracestate` of a span for the upstream request: the W3C format the SDK's
 * propagator writes (version 00), formatted directly; the propagator's `inject` needs a context
 * made for the purpose (a Map copied per request). Its `extract` still reads what callers send.
 */
function traceHeaders(context: SpanContext): Record<string, string> {
  const headers: Record<string, string> = { traceparent: `00-${context.traceId}-${context.spanId}-0${context.traceFlags & TraceFlags.SAMPLED}` };
  const state = context.traceState?.serialize();
  if (state) headers.tracestate = state;
  return headers;
}

const NO_ATTRIBUTES = Object.freeze({});

interface StartedSpan {
  context: SpanContext;
  /** Absent when the sampler said no: the ids still go to the logs and the upstream. */
  recorded: RecordedSpan | undefined;
}

/** One request's server span (core `RequestTrace`); the server ends it when the response has ended. */
export class RequestSpan implements RequestTrace {
  readonly traceId: string;
  readonly spanId: string;
  readonly spanContext: SpanContext;
  readonly captureContent: boolean;
  private readonly span: RecordedSpan | undefined;

  constructor(
    private readonly tracing: Tracing,
    started: StartedSpan,
    private readonly http: boolean,
  ) {
    this.spanContext = started.context;
    this.traceId = started.context.traceId;
    this.spanId = started.context.spanId;
    this.span = started.recorded;
    this.captureContent = this.span !== undefined && tracing.captureContent;
  }

  event(name: string, attributes: TraceAttributes): void {
    this.span?.event(name, attributes);
  }

  request(operation: string, model: string, request: ChatRequest | undefined): void {
    const span = this.span;
    if (span === undefined) return;
    const op = operationName(operation);
    if (op === undefined) {
      span.set("sluice.operation", operation);
      return;
    }
    span.set("gen_ai.operation.name", op);
    setRequestAttributes(span, model, request);
  }

  attempt(providerId: string, providerKind: string, model: string, request: ChatRequest): AttemptTrace {
    return this.tracing.startAttempt(this, providerId, providerKind, model, request);
  }

  /** Ends the span with what the call record says the request did (ids, counts, cost: never text). */
  end(res: EndedResponse): void {
    const span = this.span;
    if (span === undefined) return;
    const r = res.record;
    if (this.http) span.set("http.response.status_code", res.status);
    if (res.rpcCode !== undefined) span.set("sluice.rpc_code", res.rpcCode);
    // One call per attribute rather than an object literal walked by `setAll`: this runs for every request.
    span.set("sluice.request_id", r.requestId);
    span.setDefined("sluice.tenant", r.tenant);
    span.setDefined("sluice.key_id", r.keyId);
    span.setDefined("sluice.alias", r.model);
    span.setDefined("sluice.stream", r.stream);
    span.setDefined("sluice.cache.status", r.cache);
    span.setDefined("sluice.cost_usd", r.costUsd);
    span.setDefined("sluice.attempts", r.attempts);
    span.setDefined("sluice.provider", r.provider);
    span.setDefined("sluice.guard", r.guard);
    span.setDefined("gen_ai.response.model", r.providerModel);
    span.setDefined("gen_ai.usage.input_tokens", r.inputTokens);
    span.setDefined("gen_ai.usage.output_tokens", r.outputTokens);
    if (res.aborted) span.set("sluice.aborted", true);
    const failed = r.errorCode !== undefined || res.status >= 500 || (res.rpcCode !== undefined && res.rpcCode !== "ok");
    if (failed) {
      span.set("error.type", r.errorCode ?? res.rpcCode ?? String(res.status));
      // A caller's own mistake (4xx) is not the server span's error (HTTP semantic conventions).
      if (res.status >= 500 || r.errorCode === undefined || serverSide(r.errorCode)) span.error(r.errorMessage ?? r.errorCode ?? "");
    }
    span.endMs = nowMs();
    this.tracing.ended(span);
  }
}

/** Catalog codes that are the gateway's or a provider's failure, not the caller's. */
function serverSide(code: string): boolean {
  return code === "internal" || code.startsWith("upstream_") || code === "unavailable" || code === "stream_interrupted";
}

/** One upstream attempt's client span (core `AttemptTrace`). */
export class AttemptSpan implements AttemptTrace {
  private readonly startedAt = performance.now();
  private first = true;
  private ended = false;
  private responseId = "";
  private responseModel = "";
  private finish: string | undefined;
  private inputTokens: number | undefined;
  private outputTokens: number | undefined;
  /** Only with capture_content: the answer's text as the provider sent it. */
  private output: string | undefined;

  constructor(
    private readonly span: RecordedSpan | undefined,
    private readonly tracing: Tracing,
    readonly headers: Record<string, string> | undefined,
    private readonly input: string | undefined,
  ) {
    if (input !== undefined) this.output = "";
  }

  chunk(chunk: ChatChunk): void {
    if (this.span === undefined) return;
    if (this.first) {
      this.first = false;
      const ms = performance.now() - this.startedAt;
      // An attribute rather than an event: an event per attempt costs more to record and export.
      this.span.set("sluice.time_to_first_token_ms", Math.round(ms * 100) / 100);
    }
    if (chunk.id && !this.responseId) this.responseId = chunk.id;
    if (chunk.model && !this.responseModel) this.responseModel = chunk.model;
    if (chunk.finishReason) this.finish = finishReason(chunk.finishReason);
    if (chunk.usage) {
      this.inputTokens = chunk.usage.inputTokens;
      this.outputTokens = chunk.usage.outputTokens;
    }
    if (this.output !== undefined) this.output += chunk.textDelta;
  }

  end(outcome: string, message?: string): void {
    const span = this.span;
    if (this.ended || span === undefined) return;
    this.ended = true;
    span.set("sluice.attempt.outcome", outcome);
    if (this.responseId) span.set("gen_ai.response.id", this.responseId);
    if (this.responseModel) span.set("gen_ai.response.model", this.responseModel);
    if (this.finish) span.set("gen_ai.response.finish_reasons", [this.finish]);
    if (this.inputTokens !== undefined) span.set("gen_ai.usage.input_tokens", this.inputTokens);
    if (this.outputTokens !== undefined) span.set("gen_ai.usage.output_tokens", this.outputTokens);
    if (this.input !== undefined) {
      span.event("gen_ai.client.inference.operation.details", {
        "gen_ai.input.messages": this.input,
        "gen_ai.output.messages": this.output ? outputMessages(this.output, this.finish) : undefined,
      });
    }
    if (outcome !== "ok") {
      span.set("error.type", outcome);
      span.error(message ?? outcome);
    }
    span.endMs = nowMs();
    this.tracing.ended(span);
  }
}
