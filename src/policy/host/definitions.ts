// What the host knows about a slot: its name, the export it calls, its conformance vectors and
// static data (SlotDefinition), and how a gateway runs it (SlotConfig). The table of every slot
// is assembled above the host, in ../slots.ts, from the slot folders (pii/, router/, tokens/).
import type { ConformanceVector } from "./conformance.js";

export type SlotName = "pii" | "guard" | "tokens" | "router";
type FailMode = "open" | "closed";

/** The ABI version every slot speaks (policy.proto `AbiVersion`). */
export const ABI_VERSION = 1;

export interface SlotDefinition {
  name: SlotName;
  /** The export the host calls with the slot's *Input message. */
  exportName: string;
  conformance: readonly ConformanceVector[];
  /** Static data a module of this slot needs: `exportName` is called with `input()` once on
   *  every plugin created (first one, recreations after a trap or timeout, worker mode) before
   *  any other call, and by validation before the conformance vectors. */
  init?: SlotInit;
  /** Start the module's instance on the slot's first call instead of at activation (validation
   *  still runs then): for slots a config may never call, whose instance holds memory (tokens:
   *  both rank tables, ~15 MiB of RSS: bench:memory). */
  lazy?: boolean;
}

export interface SlotInit {
  exportName: string;
  /** The init message; computed once per process and cached by the provider. */
  input: () => Promise<Uint8Array>;
}

export interface SlotConfig {
  slot: SlotName;
  /** `builtin:<name>` (dist/policy-wasm/<name>.wasm) or a path to a .wasm file. */
  source: string;
  /** What a request gets when the module traps, times out or returns garbage. */
  failMode: FailMode;
  /** Trusted modules run on the main thread (no timeout possible); untrusted ones in an Extism
   *  worker with a per-call time limit (a worker call costs about ten times a main-thread call,
   *  see bench/RESULTS.md). */
  trusted: boolean;
  /** Per-call time limit for untrusted slots, and the limit for validation. */
  timeoutMs: number;
  /** Largest declared maximum memory a module may have, in 64 KiB pages. */
  memoryCapPages: number;
  /** Init data from this gateway's config (the pii slot's custom recognizers): takes the place
   *  of the definition's `init` (same contract: called on every new plugin and by validation). */
  init?: SlotInit | undefined;
}
