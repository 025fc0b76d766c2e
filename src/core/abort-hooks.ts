/**
 * Hooks run when a request's AbortSignal fires, cheaper than an "abort" listener per use. On
 * Node 20, `removeEventListener` on an AbortSignal costs about 4 µs (measured under load with
 * --cpu-prof, for the listener the upstream call adds and removes on every request), more
 * than the rest of that call's bookkeeping. Here a signal gets one real listener, the first
 * time a hook is added, and that listener runs the hooks present when the signal fires;
 * adding and removing a hook is a Set operation. The server reuses a request's signal for
 * later requests (src/server/http/spare-controllers.ts), so the one listener serves them all.
 */
const hooksOf = new WeakMap<AbortSignal, Set<() => void>>();

/** Runs `hook` once when `signal` fires (not when it has fired already: check `signal.aborted` first). */
export function onAbort(signal: AbortSignal, hook: () => void): void {
  let hooks = hooksOf.get(signal);
  if (hooks === undefined) {
    const fresh = new Set<() => void>();
    hooksOf.set(signal, fresh);
    signal.addEventListener("abort", () => {
      const due = [...fresh];
      fresh.clear();
      for (const h of due) h();
    });
    hooks = fresh;
  }
  hooks.add(hook);
}

/** Takes back a hook `onAbort` added (nothing when it was not there or has run). */
export function offAbort(signal: AbortSignal, hook: () => void): void {
  hooksOf.get(signal)?.delete(hook);
}

/** How many "abort" listeners of `signal` are `onAbort`'s own and idle (0 or 1): what a reused signal may keep. */
export function idleAbortListeners(signal: AbortSignal): number {
  const hooks = hooksOf.get(signal);
  return hooks !== undefined && hooks.size === 0 ? 1 : 0;
}
