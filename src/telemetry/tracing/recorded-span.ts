import type { TraceAttributes } from "../../core/trace.js";

/** A span attribute's value (OTLP AnyValue: string, int or double, bool, array of strings). */
export type AttributeValue = string | number | boolean | string[];

/** OTLP `Span.SpanKind`. */
export const SpanKindCode = { SERVER: 2, CLIENT: 3 } as const;
/** OTLP `Status.StatusCode`. */
const StatusCode = { UNSET: 0, ERROR: 2 } as const;

/** Milliseconds since the epoch with sub-millisecond precision (the SDK's clock: time origin + monotonic offset). */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Whole seconds and the nanoseconds after them of an epoch time in milliseconds. */
export function epochParts(ms: number): { secs: number; nanos: number } {
  let secs = Math.floor(ms / 1000);
  let nanos = Math.round((ms - secs * 1000) * 1e6);
  if (nanos >= 1e9) {
    secs += 1;
    nanos -= 1e9;
  }
  return { secs, nanos };
}

/** An event on a span: a decision, a refusal, captured content. */
export interface RecordedEvent {
  timeMs: number;
  name: string;
  /** key, value, key, value ... */
  attributes: (string | AttributeValue)[];
}

/**
 * One sampled span while it records: plain fields and a flat attribute list, handed to the
 * batch (span-batches.ts) when it ends, which encodes it at once. The gateway's spans live for one
 * request and die young; the OTLP bytes are all the batch keeps (bench/RESULTS.md, "Tracing
 * overhead": the SDK's span objects, held until their batch was exported, cost more in GC than
 * in recording).
 */
export class RecordedSpan {
  /** key, value, key, value ...: a key set twice keeps its last value (OTLP keys are unique). */
  readonly attributes: (string | AttributeValue)[] = [];
  events: RecordedEvent[] | undefined;
  statusCode: number = StatusCode.UNSET;
  statusMessage = "";
  endMs = 0;

  constructor(
    readonly traceId: string,
    readonly spanId: string,
    /** Empty for a root span. */
    readonly parentSpanId: string,
    /** W3C `tracestate`, empty when none. */
    readonly traceState: string,
    readonly name: string,
    readonly kind: number,
    /** The parent came from another process (the caller's `traceparent`). */
    readonly parentIsRemote: boolean,
    readonly startMs: number = nowMs(),
  ) {}

  /** OTLP `Span.flags`: W3C trace flags (sampled: every recorded span is) and whether the parent is remote. */
  get flags(): number {
    return 0x01 | 0x100 | (this.parentIsRemote ? 0x200 : 0);
  }

  set(key: string, value: AttributeValue): void {
    const a = this.attributes;
    for (let i = 0; i < a.length; i += 2) {
      if (a[i] === key) {
        a[i + 1] = value;
        return;
      }
    }
    a.push(key, value);
  }

  setDefined(key: string, value: AttributeValue | undefined): void {
    if (value !== undefined) this.set(key, value);
  }

  /** Every defined attribute of `attributes`. */
  setAll(attributes: TraceAttributes): void {
    for (const key in attributes) {
      const value = attributes[key];
      if (value !== undefined) this.set(key, value);
    }
  }

  event(name: string, attributes: TraceAttributes): void {
    const flat: (string | AttributeValue)[] = [];
    for (const key in attributes) {
      const value = attributes[key];
      if (value !== undefined) flat.push(key, value);
    }
    (this.events ??= []).push({ timeMs: nowMs(), name, attributes: flat });
  }

  error(message: string): void {
    this.statusCode = StatusCode.ERROR;
    this.statusMessage = message;
  }
}
