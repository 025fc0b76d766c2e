import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** V8's own `--semi-space-growth-factor` (Node 20): each growth doubles the young generation. */
const V8_SEMI_SPACE_GROWTH_FACTOR = 2;

/**
 * Once the gateway listens: one full garbage collection, and the young generation may grow again.
 *
 * Start-up validates every policy module by running its conformance vectors in a throwaway
 * instance (the tokens module's holds both rank tables, ~25 MiB of WebAssembly memory); that
 * memory is garbage as soon as validation ends, but an idle process may not collect it for a
 * long while, so it would sit in RSS. A collection now costs a few tens of milliseconds before
 * the first request. `--expose-gc` is set at run time and `gc` taken from a fresh context: Node's
 * documented way to reach it without a command-line flag.
 *
 * `bin/sluice.js` holds the young generation at its initial size during start-up (growth factor
 * 1); from here on it grows under load as V8 would grow it (bench/RESULTS.md, "Performance").
 * In a process that did not hold it (tests, benchmarks in process) this changes nothing.
 */
export function releaseStartupGarbage(): void {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as (() => void) | undefined;
  gc?.();
  setFlagsFromString(`--semi-space-growth-factor=${V8_SEMI_SPACE_GROWTH_FACTOR}`);
}
