// The `guard` slot as the host sees it: its export and conformance vectors, and its default
// settings (fails open: an unchecked request goes on, logged; `fail: closed` refuses instead).
import type { SlotConfig, SlotDefinition } from "../host/definitions.js";
import { guardConformance } from "./conformance.js";

export const GUARD_SLOT: SlotDefinition = { name: "guard", exportName: "check", conformance: guardConformance };

export const GUARD_SLOT_DEFAULTS: SlotConfig = {
  slot: "guard", source: "builtin:guard-hostio", failMode: "open", trusted: true, timeoutMs: 250, memoryCapPages: 512,
};
