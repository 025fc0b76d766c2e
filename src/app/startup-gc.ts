import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/**
 * One full garbage collection once the gateway listens. Start-up validates every policy module
 * by running its conformance vectors in a throwaway instance (the tokens module's holds both
 * rank tables, ~25 MiB of WebAssembly memory); that memory is garbage as soon as validation ends,
 * but an idle process may not collect it for a long while, so it would sit in RSS. A collection
 * now costs a few tens of milliseconds before the first request (bench/RESULTS.md, "Performance").
 * `--expose-gc` is set at run time and `gc` taken from a fresh context: Node's documented way
 * to reach it without a command-line flag.
 */
export function releaseStartupGarbage(): void {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as (() => void) | undefined;
  gc?.();
}
