// The `pii` slot as the host sees it: its export and conformance vectors, and its default
// settings (fails closed: a request is not sent on unscanned).
import type { SlotConfig, SlotDefinition } from "../host/definitions.js";
import { piiConformance } from "./conformance.js";

export const PII_SLOT: SlotDefinition = { name: "pii", exportName: "scan", conformance: piiConformance };

export const PII_SLOT_DEFAULTS: SlotConfig = {
  slot: "pii", source: "builtin:pii-hostio", failMode: "closed", trusted: true, timeoutMs: 250, memoryCapPages: 512,
};
