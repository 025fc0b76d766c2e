import { SluiceError } from "../../errors/sluice-error.js";
import type { KeyRing } from "../../limits/keys.js";
import type { Principal } from "../../core/principal.js";
import type { Phase } from "../phase.js";

/** The principal of callers when no keys are configured (loopback-only deployments). */
const ANONYMOUS: Principal = { tenant: "default", keyId: "anonymous", mayUse: () => true, scopes: [], tags: {} };

/** Resolves the caller from its bearer token. Every surface goes through this one function. */
export function authenticate(keys: KeyRing, credentials: string | undefined): Principal {
  if (keys.size === 0) return ANONYMOUS;
  if (!credentials) {
    throw new SluiceError("unauthenticated", "missing API key: send it as `Authorization: Bearer <key>`");
  }
  const grant = keys.verify(credentials);
  if (!grant) throw new SluiceError("unauthenticated", "invalid API key");
  if (grant.expiresAtMs !== undefined && Date.now() >= grant.expiresAtMs) throw new SluiceError("unauthenticated", "API key expired");
  return grant;
}

/**
 * The caller of the request. Surfaces authenticate before they read the body and hand the
 * principal over; calls made without one (the gateway's own) are checked here. `keys` returns
 * the current key ring: the admin API swaps in a new one when keys change.
 */
export function authenticatePhase(keys: () => KeyRing): Phase {
  return {
    name: "authenticate",
    onRequest(ctx) {
      ctx.principal ??= authenticate(keys(), ctx.credentials);
    },
  };
}
