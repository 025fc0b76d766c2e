import type { LimitScope } from "./principal.js";
import type { ProviderAdapter } from "./provider.js";

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
  /** The prompt template that served the request, `id@version` (absent without one). */
  prompt?: string;
  /** What context-window management did (`dropped=12`), absent when nothing. */
  context?: string;
}
