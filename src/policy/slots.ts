// The slot registry: which export each slot calls, and each slot's configuration.
import { piiConformance, type ConformanceVector } from "./conformance.js";
import { tokensConformance, tokensSlotInit } from "./tokens-conformance.js";
import { routerConformance } from "./router-conformance.js";

export type SlotName = "pii" | "guard" | "tokens" | "router";
export type FailMode = "open" | "closed";

export interface SlotDefinition {
  name: SlotName;
  /** The export the host calls with the slot's *Input message. */
  exportName: string;
  conformance: readonly ConformanceVector[];
  /** Static data a module of this slot needs: `exportName` is called with `input()` once on
   *  every plugin created (first one, recreations after a trap or timeout, worker mode) before
   *  any other call, and by validation before the conformance vectors. */
  init?: SlotInit;
}

export interface SlotInit {
  exportName: string;
  /** The init message; computed once per process and cached by the provider. */
  input: () => Promise<Uint8Array>;
}

export const ABI_VERSION = 1;

export const SLOT_DEFINITIONS: Readonly<Record<SlotName, SlotDefinition>> = {
  pii: { name: "pii", exportName: "scan", conformance: piiConformance },
  // Modules for these slots come with their own issues; their vectors are added with them.
  guard: { name: "guard", exportName: "check", conformance: [] },
  tokens: { name: "tokens", exportName: "count", conformance: tokensConformance, init: tokensSlotInit },
  router: { name: "router", exportName: "route", conformance: routerConformance },
};

export interface SlotConfig {
  slot: SlotName;
  /** `builtin:<name>` (dist/policy-wasm/<name>.wasm) or a path to a .wasm file. */
  source: string;
  /** What a request gets when the module traps, times out or returns garbage. */
  failMode: FailMode;
  /** Trusted modules run on the main thread (~10 µs/call, no timeout possible); untrusted ones
   *  in an Extism worker with a per-call time limit (~100 µs/call). */
  trusted: boolean;
  /** Per-call time limit for untrusted slots, and the limit for validation. */
  timeoutMs: number;
  /** Largest declared maximum memory a module may have, in 64 KiB pages. */
  memoryCapPages: number;
}

export const DEFAULT_SLOT_CONFIG: Readonly<Record<SlotName, SlotConfig>> = {
  pii: { slot: "pii", source: "builtin:pii-hostio", failMode: "closed", trusted: true, timeoutMs: 250, memoryCapPages: 512 },
  guard: { slot: "guard", source: "builtin:guard", failMode: "open", trusted: true, timeoutMs: 250, memoryCapPages: 512 },
  tokens: { slot: "tokens", source: "builtin:tokens-hostio", failMode: "open", trusted: true, timeoutMs: 250, memoryCapPages: 1024 },
  router: { slot: "router", source: "builtin:router-hostio", failMode: "open", trusted: true, timeoutMs: 50, memoryCapPages: 256 },
};
