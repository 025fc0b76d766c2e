// The `tokens` slot as the host sees it: its export, conformance vectors and static data (both
// rank tables, handed to every plugin by `init`), and its default settings. The slot is always
// on (input token counts for limits, budgets and context windows) and fails open to an estimate.
import type { SlotConfig, SlotDefinition } from "../host/definitions.js";
import { tokensConformance } from "./conformance.js";
import { tokensInitInput } from "./rank-blob.js";

export const TOKENS_SLOT: SlotDefinition = {
  name: "tokens",
  exportName: "count",
  conformance: tokensConformance,
  init: { exportName: "init", input: tokensInitInput },
  // Counted only when limits, budgets, context windows or the count endpoint ask.
  lazy: true,
};

export const TOKENS_SLOT_DEFAULTS: SlotConfig = {
  slot: "tokens", source: "builtin:tokens-hostio", failMode: "open", trusted: true, timeoutMs: 250, memoryCapPages: 1024,
};
