// Typed failures of the policy layer. Only PolicyRefusedError ever reaches the request path
// (a fail-closed slot that could not decide); everything else becomes a typed result.

type PolicyFailureKind =
  | "trap" // the module trapped (unreachable, out of bounds, memory cap)
  | "timeout" // an untrusted module ran past its time limit; its worker was terminated
  | "garbage" // the output did not decode or broke the slot's contract
  | "module_error" // the module returned a non-zero code (refused the input)
  | "unavailable"; // no module is loaded for the slot

export interface PolicyFailure {
  kind: PolicyFailureKind;
  slot: string;
  message: string;
}

/** A fail-closed slot could not decide: the request must be refused. */
export class PolicyRefusedError extends Error {
  override name = "PolicyRefusedError";
  readonly code = "policy_refused";
  constructor(readonly failure: PolicyFailure) {
    super(`policy slot ${failure.slot} failed closed (${failure.kind}): ${failure.message}`);
  }
}

/** A module was rejected when loaded or pushed (bad exports, ABI, memory cap, conformance). */
export class PolicyValidationError extends Error {
  override name = "PolicyValidationError";
  readonly code = "policy_invalid";
  constructor(readonly slot: string, readonly reasons: string[]) {
    super(`policy module rejected for slot ${slot}: ${reasons.join("; ")}`);
  }
}

/** Raised inside the host when a call fails; turned into a PolicyFailure by the slot. */
export class PolicyCallError extends Error {
  override name = "PolicyCallError";
  constructor(readonly kind: PolicyFailureKind, message: string) {
    super(message);
  }
}

/** The message of anything a module call threw. Worker-mode Extism plugins reject with the
 *  worker's error copied across threads, a plain `{ message }` object rather than an Error, which
 *  String() would print as "[object Object]". */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === "object" && err !== null && typeof (err as { message?: unknown }).message === "string") {
    return (err as { message: string }).message;
  }
  return String(err);
}
