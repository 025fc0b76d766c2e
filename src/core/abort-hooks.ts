/**
 * Hooks run when a request's AbortSignal fires, cheaper than an "abort" listener per use. On
 * Node 20, `removeEventListener` on an AbortSignal costs about 4 µs (measured under load with
 * --cpu-prof, for the listener the upstream call adds and removes on every request), more
 * than the rest of that call's bookkeeping. Here a signal gets one real listener, the first
 * time a hook is added, and that listener runs the hooks present when the signal fires. The
 * server reuses a request's signal for later requests (src/server/http/spare-controllers.ts),
 * so the one listener serves them all.
 */
const hooksOf = new WeakMap<AbortSignal, Hooks>();

/** Runs `hook` once when `signal` fires (not when it has fired already: check `signal.aborted` first). */
export function onAbort(signal: AbortSignal, hook: () => void): void {
  let hooks = hooksOf.get(signal);
  if (hooks === undefined) {
    const fresh = new Hooks();
    hooksOf.set(signal, fresh);
    signal.addEventListener("abort", () => fresh.runAll());
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

/**
 * The hooks of one signal, in the order added: slots in an array that keeps its length, so the
 * usual life of a signal (one hook added and taken back per request, for many requests) allocates
 * nothing. A Set did: V8 rehashed it on every add to an empty set and every delete to one
 * (~1 µs a request in a `perf` profile).
 */
class Hooks {
  private readonly slots: Array<(() => void) | undefined> = [];
  /** Slots in use are [0, end); some may be empty (taken back). */
  private end = 0;
  size = 0;

  add(hook: () => void): void {
    this.slots[this.end++] = hook;
    this.size++;
  }

  delete(hook: () => void): void {
    if (this.end === 0) return;
    const i = this.slots.lastIndexOf(hook, this.end - 1);
    if (i < 0) return;
    this.slots[i] = undefined;
    if (--this.size === 0) this.end = 0;
  }

  runAll(): void {
    const due: Array<() => void> = [];
    for (let i = 0; i < this.end; i++) {
      const hook = this.slots[i];
      if (hook !== undefined) due.push(hook);
      this.slots[i] = undefined;
    }
    this.end = 0;
    this.size = 0;
    for (const hook of due) hook();
  }
}
