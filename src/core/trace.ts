import type { ChatChunk, ChatRequest } from "../gen/sluice/v1/gateway_pb.js";

/** Attribute values a trace takes; undefined values are left out. */
export type TraceAttributes = Record<string, string | number | boolean | string[] | undefined>;

/**
 * The trace of one request, when tracing is on (`telemetry.tracing`, src/telemetry/tracing):
 * the server span the surface started, carried on the call record so the pipeline can add to it
 * without knowing OpenTelemetry. Absent when tracing is off: every hook is one `?.` check.
 */
export interface RequestTrace {
  /** Hex ids of the request's span, for log lines. */
  readonly traceId: string;
  readonly spanId: string;
  /** `telemetry.tracing.capture_content`: prompt and completion text may be recorded (after the pii slot). */
  readonly captureContent: boolean;
  /** An event on the request's span (a phase's outcome, a policy decision). */
  event(name: string, attributes: TraceAttributes): void;
  /** The GenAI request attributes (operation, model, parameters) from the canonical request. */
  request(operation: string, model: string, request: ChatRequest | undefined): void;
  /** A client span for one try at one target, child of the request's span. */
  attempt(providerId: string, providerKind: string, model: string, request: ChatRequest): AttemptTrace;
}

/** One upstream attempt's span. */
export interface AttemptTrace {
  /** `traceparent` (and `tracestate`) of this span for the upstream request; undefined when the provider does not propagate. */
  readonly headers: Record<string, string> | undefined;
  /** Every chunk the provider answered: the first one marks time to first token; ids, model, finish reason, usage. */
  chunk(chunk: ChatChunk): void;
  /** Ends the span: "ok" or the catalog code it failed with. Later calls do nothing. */
  end(outcome: string, message?: string): void;
}
