// The `router` slot as the host sees it: its export and conformance vectors, and its default
// settings (fails open: without a decision the gateway's built-in order is used).
import type { SlotConfig, SlotDefinition } from "../host/definitions.js";
import { routerConformance } from "./conformance.js";

export const ROUTER_SLOT: SlotDefinition = { name: "router", exportName: "route", conformance: routerConformance };

export const ROUTER_SLOT_DEFAULTS: SlotConfig = {
  slot: "router", source: "builtin:router-hostio", failMode: "open", trusted: true, timeoutMs: 50, memoryCapPages: 256,
};
