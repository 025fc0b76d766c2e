import type { IncomingHttpHeaders } from "node:http";
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, defaultTextMapGetter, defaultTextMapSetter, trace, type Attributes, type Context, type Span, type TextMapPropagator, type Tracer } from "@opentelemetry/api";
import type { ChatChunk, ChatRequest } from "../../gen/sluice/v1/gateway_pb.js";
import type { CallRecord } from "../../core/call-record.js";
import type { AttemptTrace, RequestTrace, TraceAttributes } from "../../core/trace.js";
import { finishReason, inputMessages, operationName, outputMessages, providerName, requestAttributes } from "./genai.js";
import type { TracedProvider, TracingSettings } from "./settings.js";

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

/** Polled all the time: no spans. */
const UNTRACED_PATHS = new Set(["/healthz", "/readyz", "/metrics"]);

/**
 * The gateway's tracer: a server span per request (continuing the caller's W3C trace context),
 * made by the server, handed down on the call record as a core `RequestTrace`. No global
 * context manager: parents are passed explicitly, so tracing adds no async-context cost.
 */
export class Tracing {
  constructor(
    private readonly tracer: Tracer,
    private readonly propagator: TextMapPropagator,
    private readonly settings: TracingSettings,
    /** Flushes what is queued and stops the exporter. */
    readonly shutdown: () => Promise<void>,
  ) {}

  /** The request's span, or undefined for the operational endpoints. */
  startRequest(req: ArrivedRequest): RequestSpan | undefined {
    if (UNTRACED_PATHS.has(req.path)) return undefined;
    const parent = req.headers.traceparent === undefined ? ROOT_CONTEXT : this.propagator.extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter);
    let name: string;
    let attributes: Attributes;
    if (req.rpcProtocol) {
      // "/sluice.v1.GatewayService/Chat"
      const slash = req.path.lastIndexOf("/");
      const service = req.path.slice(1, slash);
      const method = req.path.slice(slash + 1);
      name = req.path.slice(1);
      attributes = { "rpc.system": req.rpcProtocol === "grpc" ? "grpc" : "connect_rpc", "rpc.service": service, "rpc.method": method, "sluice.protocol": req.rpcProtocol };
    } else {
      name = `${req.method} ${req.path}`;
      attributes = { "http.request.method": req.method, "url.path": req.path };
    }
    const span = this.tracer.startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
    return new RequestSpan(span, this, req.rpcProtocol === undefined);
  }

  /** A client span for one upstream attempt, child of `parent`. */
  startAttempt(parent: Context, providerId: string, providerKind: string, model: string, request: ChatRequest, captureContent: boolean): AttemptSpan {
    const provider = this.settings.providers.get(providerId);
    const attributes: Attributes = {
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": providerName(providerKind),
      "sluice.provider": providerId,
    };
    if (provider?.address !== undefined) attributes["server.address"] = provider.address;
    if (provider?.port !== undefined) attributes["server.port"] = provider.port;
    setDefined(attributes, requestAttributes(model, request));
    const span = this.tracer.startSpan(`chat ${model}`, { kind: SpanKind.CLIENT, attributes }, parent);
    return new AttemptSpan(span, this.headersFor(span, provider), captureContent ? inputMessages(request) : undefined);
  }

  get captureContent(): boolean {
    return this.settings.captureContent;
  }

  private headersFor(span: Span, provider: TracedProvider | undefined): Record<string, string> | undefined {
    if (!provider?.propagate) return undefined;
    const carrier: Record<string, string> = {};
    this.propagator.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, defaultTextMapSetter);
    return carrier;
  }
}

/** One request's server span (core `RequestTrace`); the server ends it when the response has ended. */
export class RequestSpan implements RequestTrace {
  readonly traceId: string;
  readonly spanId: string;
  readonly captureContent: boolean;
  private readonly recording: boolean;
  private context: Context | undefined;

  constructor(
    private readonly span: Span,
    private readonly tracing: Tracing,
    private readonly http: boolean,
  ) {
    const sc = span.spanContext();
    this.traceId = sc.traceId;
    this.spanId = sc.spanId;
    this.recording = span.isRecording();
    this.captureContent = this.recording && tracing.captureContent;
  }

  set(attributes: TraceAttributes): void {
    if (this.recording) setDefinedOn(this.span, attributes);
  }

  event(name: string, attributes: TraceAttributes): void {
    if (!this.recording) return;
    const defined: Attributes = {};
    setDefined(defined, attributes);
    this.span.addEvent(name, defined);
  }

  request(operation: string, model: string, request: ChatRequest | undefined): void {
    if (!this.recording) return;
    const op = operationName(operation);
    if (op === undefined) {
      this.span.setAttribute("sluice.operation", operation);
      return;
    }
    this.span.setAttribute("gen_ai.operation.name", op);
    setDefinedOn(this.span, requestAttributes(model, request));
  }

  attempt(providerId: string, providerKind: string, model: string, request: ChatRequest): AttemptTrace {
    this.context ??= trace.setSpan(ROOT_CONTEXT, this.span);
    return this.tracing.startAttempt(this.context, providerId, providerKind, model, request, this.captureContent);
  }

  /** Ends the span with what the call record says the request did (ids, counts, cost: never text). */
  end(res: EndedResponse): void {
    const span = this.span;
    if (this.recording) {
      const r = res.record;
      if (this.http) span.setAttribute("http.response.status_code", res.status);
      if (res.rpcCode !== undefined) span.setAttribute("sluice.rpc_code", res.rpcCode);
      setDefinedOn(span, {
        "sluice.request_id": r.requestId,
        "sluice.tenant": r.tenant,
        "sluice.key_id": r.keyId,
        "sluice.alias": r.model,
        "sluice.stream": r.stream,
        "sluice.cache.status": r.cache,
        "sluice.cost_usd": r.costUsd,
        "sluice.attempts": r.attempts,
        "sluice.provider": r.provider,
        "sluice.guard": r.guard,
        "gen_ai.response.model": r.providerModel,
        "gen_ai.usage.input_tokens": r.inputTokens,
        "gen_ai.usage.output_tokens": r.outputTokens,
      });
      if (res.aborted) span.setAttribute("sluice.aborted", true);
      const failed = r.errorCode !== undefined || res.status >= 500 || (res.rpcCode !== undefined && res.rpcCode !== "ok");
      if (failed) {
        span.setAttribute("error.type", r.errorCode ?? res.rpcCode ?? String(res.status));
        // A caller's own mistake (4xx) is not the server span's error (HTTP semantic conventions).
        if (res.status >= 500 || r.errorCode === undefined || serverSide(r.errorCode)) span.setStatus({ code: SpanStatusCode.ERROR, message: r.errorMessage ?? r.errorCode ?? "" });
      }
    }
    span.end();
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
    private readonly span: Span,
    readonly headers: Record<string, string> | undefined,
    private readonly input: string | undefined,
  ) {
    if (input !== undefined) this.output = "";
  }

  chunk(chunk: ChatChunk): void {
    if (this.first) {
      this.first = false;
      const ms = performance.now() - this.startedAt;
      // An attribute rather than an event: an event per attempt costs more to record and export.
      this.span.setAttribute("sluice.time_to_first_token_ms", Math.round(ms * 100) / 100);
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
    if (this.ended) return;
    this.ended = true;
    const span = this.span;
    if (span.isRecording()) {
      span.setAttribute("sluice.attempt.outcome", outcome);
      if (this.responseId) span.setAttribute("gen_ai.response.id", this.responseId);
      if (this.responseModel) span.setAttribute("gen_ai.response.model", this.responseModel);
      if (this.finish) span.setAttribute("gen_ai.response.finish_reasons", [this.finish]);
      if (this.inputTokens !== undefined) span.setAttribute("gen_ai.usage.input_tokens", this.inputTokens);
      if (this.outputTokens !== undefined) span.setAttribute("gen_ai.usage.output_tokens", this.outputTokens);
      if (this.input !== undefined) {
        span.addEvent("gen_ai.client.inference.operation.details", {
          "gen_ai.input.messages": this.input,
          ...(this.output ? { "gen_ai.output.messages": outputMessages(this.output, this.finish) } : {}),
        });
      }
      if (outcome !== "ok") {
        span.setAttribute("error.type", outcome);
        span.setStatus({ code: SpanStatusCode.ERROR, message: message ?? outcome });
      }
    }
    span.end();
  }
}

function setDefined(target: Attributes, attributes: TraceAttributes): void {
  for (const key in attributes) {
    const value = attributes[key];
    if (value !== undefined) target[key] = value;
  }
}

function setDefinedOn(span: Span, attributes: TraceAttributes): void {
  for (const key in attributes) {
    const value = attributes[key];
    if (value !== undefined) span.setAttribute(key, value);
  }
}
