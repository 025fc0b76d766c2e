import { createContextKey } from "@connectrpc/connect";
import { boundedText, type CallRecord } from "../core/call-record.js";
import type { Principal } from "../core/principal.js";
import type { AnswerStart } from "../core/target.js";
import type { SluiceError } from "../errors/sluice-error.js";

/**
 * What the server knows of one HTTP request or RPC, from its first byte to its access-log line:
 * the call record handed to the gateway (request id, surface; the pipeline fills in the rest),
 * the principal once authenticated (before the body is read), and how the call ended.
 */
export interface ServerCall {
  readonly record: CallRecord;
  /** The caller, authenticated from its bearer token before the body was read. */
  principal?: Principal;
  /** AdminService: an admin key was verified (before the body was read). */
  admin?: boolean;
  /** RPCs: the gRPC/Connect code the call ended with ("ok", "unauthenticated", ...), when known. */
  rpcCode?: string;
  /** The cause of an `internal` error: logged with the access line, never sent. */
  cause?: unknown;
  /**
   * Set while the gateway works on the call (a stream's settle phase included); resolves when
   * that is over, so a call the client abandoned is logged with what it did.
   */
  working?: Promise<void>;
  /** Fires when the server stops the call's work: the client went away, or a drain ran out of time. */
  stop?: AbortSignal;
}

/** One REST request as its handler sees it: the server's call (authenticated), the abort signal, the body limit. */
export interface RestCall {
  readonly call: ServerCall;
  readonly signal: AbortSignal;
  readonly maxBodyBytes: number;
}

/** The server call in a Connect handler's context (`ctx.values`), set by the node handler. */
export const serverCallKey = createContextKey<ServerCall | undefined>(undefined, { description: "sluice server call" });

/** Records the caller on the call and its record (the access line names the tenant even when the body is refused). */
export function noteCaller(call: ServerCall, principal: Principal): void {
  call.principal = principal;
  call.record.tenant = principal.tenant;
  call.record.keyId = principal.keyId;
}

/** Records the error a call ends with, as the client sees it (bounded message; the cause of `internal` kept for the log). */
export function noteError(call: ServerCall | undefined, error: SluiceError): void {
  if (!call) return;
  call.record.errorCode = error.code;
  call.record.errorMessage = boundedText(error.message);
  if (error.code === "internal") call.cause ??= error.cause ?? error;
}

/** The part of a call every gateway operation takes (`CallBase`). One object shape whoever calls. */
export function gatewayCall(call: ServerCall, signal: AbortSignal): { record: CallRecord; principal: Principal | undefined; signal: AbortSignal } {
  return { record: call.record, principal: call.principal, signal };
}

/**
 * `gatewayCall` with the operation's request (and room for a stream's `onAnswerStart`), written
 * out rather than `{ ...gatewayCall(...), request }`: V8 gives a spread's copy a map of its own,
 * and adding a member to it made a new map on every request (seen in a `perf` profile).
 */
export function requestCall<R>(
  call: ServerCall,
  signal: AbortSignal,
  request: R,
): { record: CallRecord; principal: Principal | undefined; signal: AbortSignal; request: R; onAnswerStart: ((start: AnswerStart) => void) | undefined } {
  return { record: call.record, principal: call.principal, signal, request, onAnswerStart: undefined };
}

/** Marks the call's gateway work as begun; the function returned marks it over. */
export function beginWork(call: ServerCall): () => void {
  let end = () => {};
  const work = new Promise<void>((resolve) => (end = resolve));
  call.working = work;
  return () => {
    if (call.working === work) call.working = undefined;
    end();
  };
}
