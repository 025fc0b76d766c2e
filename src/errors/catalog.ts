import { Code } from "@connectrpc/connect";

/**
 * The closed list of errors a client can get from Sluice, on every surface. Each code has
 * one Connect code (gRPC status), one HTTP status and one OpenAI-style `error.type`, so the
 * same failure reads the same way through gRPC, Connect and the REST API.
 * Documented for users in the README's "Errors" table: keep the two in step.
 */
export const errorCatalog = {
  /** A policy refused the request (e.g. a secret found by the PII module); names the type, never the value. */
  policy_blocked: { connect: Code.InvalidArgument, http: 400, type: "invalid_request_error" },
  /** The prompt-injection guard refused the request (or withheld an answer that leaked the system prompt's canary); names the label and rule ids, never the text. */
  guard_blocked: { connect: Code.PermissionDenied, http: 400, type: "invalid_request_error" },
  /** The request is well-formed but asks for something invalid (bad field value). */
  invalid_request: { connect: Code.InvalidArgument, http: 400, type: "invalid_request_error" },
  /** Input plus max output tokens exceed the model's context window (`models[].context_window`). */
  context_length_exceeded: { connect: Code.InvalidArgument, http: 400, type: "invalid_request_error" },
  /** The body is not valid JSON / protobuf, or not the shape the endpoint expects. */
  malformed_body: { connect: Code.InvalidArgument, http: 400, type: "invalid_request_error" },
  /** The body's content type is not one the endpoint accepts. */
  unsupported_media_type: { connect: Code.InvalidArgument, http: 415, type: "invalid_request_error" },
  /** The body is larger than `server.max_body_bytes`. */
  body_too_large: { connect: Code.ResourceExhausted, http: 413, type: "invalid_request_error" },
  /** No API key, or a key the gateway does not know (or revoked / expired). */
  unauthenticated: { connect: Code.Unauthenticated, http: 401, type: "authentication_error" },
  /** The key is valid but may not use this model or operation. */
  permission_denied: { connect: Code.PermissionDenied, http: 403, type: "permission_error" },
  /** The model is neither an alias nor `<provider>/<model>` of a configured provider. */
  model_not_found: { connect: Code.NotFound, http: 404, type: "invalid_request_error" },
  /** No such endpoint. */
  not_found: { connect: Code.NotFound, http: 404, type: "invalid_request_error" },
  /** The endpoint exists but not for this HTTP method. */
  method_not_allowed: { connect: Code.Unimplemented, http: 405, type: "invalid_request_error" },
  /** A rate limit or quota of the gateway or of the provider refused the request. */
  rate_limited: { connect: Code.ResourceExhausted, http: 429, type: "rate_limit_error" },
  /** A spend budget (key or tenant; day, month or lifetime) is used up. */
  budget_exhausted: { connect: Code.ResourceExhausted, http: 429, type: "insufficient_quota" },
  /** The provider refused the request as invalid (its 400/404/422). */
  upstream_rejected: { connect: Code.InvalidArgument, http: 400, type: "invalid_request_error" },
  /** The provider could not be reached or failed (refused connection, 5xx, bad credentials of the gateway). */
  upstream_unavailable: { connect: Code.Unavailable, http: 502, type: "api_error" },
  /** The provider did not answer in time (connect, first byte, idle or total timeout). */
  upstream_timeout: { connect: Code.DeadlineExceeded, http: 504, type: "timeout_error" },
  /** The provider's stream broke after it started; what was sent so far is all there is. */
  stream_interrupted: { connect: Code.Unavailable, http: 502, type: "api_error" },
  /** The caller cancelled the request. */
  cancelled: { connect: Code.Canceled, http: 499, type: "invalid_request_error" },
  /** The gateway is shutting down or not ready. */
  unavailable: { connect: Code.Unavailable, http: 503, type: "api_error" },
  /** A bug or an unexpected failure inside the gateway; details are in the log only. */
  internal: { connect: Code.Internal, http: 500, type: "api_error" },
} as const satisfies Record<string, { connect: Code; http: number; type: string }>;

export type ErrorCode = keyof typeof errorCatalog;
