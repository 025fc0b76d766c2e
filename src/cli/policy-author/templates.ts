// What `sluice policy new <slot> <dir>` writes: per slot, an index.ts with a small real rule
// that passes the slot's conformance vectors, and cases.json with the author's own test cases
// for it (the proto JSON of the slot's input, and the fields of the output to expect).
import type { SlotName } from "../../policy/index.js";

export interface Template {
  index: string;
  cases: unknown[];
  /** Declared maximum memory (64 KiB pages), within the slot's cap. */
  maxMemoryPages: number;
}

const ROUTER = `// A router module (slot "router", export \`route\`): decides which targets an alias tries, in order.
// Built by \`sluice policy build <dir>\`; tested by \`sluice policy test <dir>\` (the slot's
// conformance vectors, then your cases in cases.json).
//
// The SDK reads the request into tables (no allocation): \`count\` candidates, each with
// healthy[c], latencyMs[c], errorRate[c], priceIn[c] / priceOut[c] (USD per 1M tokens),
// capacity[c], weight[c], inflight[c]; the request's inputTokens, lengthChars, hasCode, turns;
// and, compared in place, tenantIs("acme"), hasTag("tier=premium"), aliasIs("chat"),
// targetIs(c, "provider/model"), findTarget(...). Your rule sets the answer: \`order\` (start
// from healthyFirst() or orderAsGiven(), then moveToFront(c) / dropCandidate(c)) and a reason
// for the access log (reasonText("..."), reasonId(c)).
import { runRouteWith, healthyFirst, hasTag, count, priceIn, priceOut, isUsable, moveToFront, reasonText, reasonId } from "@sluice/policy-sdk/router";
export { abi_version } from "@sluice/policy-sdk";

// The example rule: requests tagged tier=premium (a key's tags, or the request's metadata, as
// "key=value") go to the most expensive usable target first; everything else keeps the
// healthy-first order. Change the tag or the choice to make it yours.
const PREMIUM_TAG = "tier=premium";

export function route(): i32 { return runRouteWith(rule); }

function rule(): void {
  healthyFirst();
  reasonText("healthy first");
  if (!hasTag(PREMIUM_TAG)) return;
  let best = -1;
  for (let c = 0; c < count; c++) {
    if (!isUsable(c)) continue;
    if (best < 0 || priceIn[c] + priceOut[c] > priceIn[best] + priceOut[best]) best = c;
  }
  if (best < 0) return; // nothing usable: keep the order
  moveToFront(best);
  reasonText("; premium -> ");
  reasonId(best);
}
`;

const GUARD = `// A guard module (slot "guard", export \`check\`): scores each text of a request for prompt
// injection and jailbreaks. Built by \`sluice policy build <dir>\`; tested by
// \`sluice policy test <dir>\` (the slot's conformance vectors, then your cases in cases.json).
//
// The SDK calls your rule once per text with its UTF-8 bytes (text, len) and its index (part);
// roleIs(part, "user") tells its role. Call flag(score, label, reason) for what you find: score
// 0..1 (the gateway's threshold, default 0.5, decides), label "injection", "jailbreak" or
// "prompt_leak", reason a short id ([a-z0-9_.:-], never the text). The SDK writes the verdict.
import { runCheckWith, roleIs, flag } from "@sluice/policy-sdk/guard";
import { findAscii } from "@sluice/policy-sdk";
export { abi_version } from "@sluice/policy-sdk";

// The rules, as lower-case ASCII phrases (matched ignoring case). The first is the textbook
// override every guard module must catch (the slot's conformance vectors check it); add yours.
const OVERRIDE_PHRASES = ["ignore all previous instructions", "ignore previous instructions", "disregard all prior instructions"];
const BLOCKED_PHRASES = ["secret-project-x"];

export function check(): i32 { return runCheckWith(rule); }

function rule(part: i32, text: usize, len: i32): void {
  if (!roleIs(part, "user") && !roleIs(part, "tool")) return;
  for (let k = 0; k < OVERRIDE_PHRASES.length; k++) {
    if (findAscii(text, len, OVERRIDE_PHRASES[k], 0, true) >= 0) flag(0.95, "injection", "override_previous");
  }
  for (let k = 0; k < BLOCKED_PHRASES.length; k++) {
    if (findAscii(text, len, BLOCKED_PHRASES[k], 0, true) >= 0) flag(0.9, "prompt_leak", "blocked_phrase");
  }
}
`;

const PII = `// A pii module (slot "pii", export \`scan\`): finds personal data in texts; the gateway then
// redacts, masks, replaces or blocks it. Built by \`sluice policy build <dir>\`; tested by
// \`sluice policy test <dir>\` (the slot's conformance vectors, then your cases in cases.json).
//
// The shipped detectors (email, cards, IBAN, phones, national ids, secrets, ...) run first
// (useBuiltins), your recognizers beside them. Register each type you recognize once with
// entity(NAME, PLACEHOLDER_LABEL, default action); the gateway's rules (policies.pii.actions)
// override the default when they name it. Your recognizer gets each text as UTF-8 bytes and
// calls report(startByte, endByte, type, score) for every match: the SDK resolves overlaps,
// applies the action and writes the spans in UTF-16 offsets.
import { runScanWith, useBuiltins, entity, report, actionOf, Action } from "@sluice/policy-sdk/pii";
import { isDigitByte, isWordByte, startsWithAt } from "@sluice/policy-sdk";
import { builtinDetect } from "@sluice/policy-pii/assembly/builtin";
export { abi_version } from "@sluice/policy-sdk";

// The example recognizer: employee ids written EMP-123456 (EMP, a dash, six digits).
const EMPLOYEE_ID = entity("EMPLOYEE_ID", "EMPLOYEE", Action.REDACT);
useBuiltins(builtinDetect);

export function scan(): i32 { return runScanWith(recognize); }

function recognize(text: usize, len: i32): void {
  if (actionOf(EMPLOYEE_ID) == Action.NONE) return; // a rule switched it off
  for (let i = 0; i + 10 <= len; i++) {
    if (!startsWithAt(text, len, i, "EMP-")) continue;
    if (i > 0 && isWordByte(<i32>load<u8>(text + <usize>(i - 1)))) continue; // inside a word
    let digits = 0;
    while (digits < 6 && isDigitByte(<i32>load<u8>(text + <usize>(i + 4 + digits)))) digits++;
    const end = i + 4 + digits;
    if (digits < 6 || (end < len && isWordByte(<i32>load<u8>(text + <usize>end)))) continue;
    report(i, end, EMPLOYEE_ID, 0.9);
    i = end - 1;
  }
}
`;

const TOKENS = `// A tokens module (slot "tokens", exports \`init\`, \`count\`, \`encode\`): exact token counts. The
// slot's conformance vectors check tiktoken's real counts, so a tokens module is the shipped BPE
// engine or a change to it: this one is the shipped engine as it is. To change it, copy the
// engine's sources (policy-wasm/tokens/assembly in the Sluice repository) next to this file.
import "@sluice/policy-sdk"; // the SDK's abort handler, which the build names (--use abort=)
export * from "@sluice/policy-tokens/assembly/index";
`;

const ROUTER_CASES = [
  {
    name: "premium traffic goes to the most expensive healthy target",
    input: {
      alias: "chat",
      tenant: "acme",
      tags: ["tier=premium"],
      candidates: [
        { target_id: "cheap/small", healthy: true, price_input_per_mtok: 0.15, price_output_per_mtok: 0.6 },
        { target_id: "strong/large", healthy: true, price_input_per_mtok: 2.5, price_output_per_mtok: 10 },
      ],
    },
    expect: { target_ids: ["strong/large", "cheap/small"] },
  },
  {
    name: "other traffic keeps the configured order",
    input: {
      alias: "chat",
      tenant: "acme",
      candidates: [
        { target_id: "cheap/small", healthy: true, price_input_per_mtok: 0.15, price_output_per_mtok: 0.6 },
        { target_id: "strong/large", healthy: true, price_input_per_mtok: 2.5, price_output_per_mtok: 10 },
      ],
    },
    expect: { target_ids: ["cheap/small", "strong/large"] },
  },
];

const GUARD_CASES = [
  {
    name: "the blocked phrase is caught",
    input: { texts: ["Tell me everything about secret-project-x."], roles: ["user"] },
    expect: { verdict: "GUARD_VERDICT_BLOCK", reasons: ["blocked_phrase"] },
  },
  {
    name: "an ordinary question passes",
    input: { texts: ["What is the capital of France?"], roles: ["user"] },
    expect: { verdict: "GUARD_VERDICT_ALLOW" },
  },
];

const PII_CASES = [
  {
    name: "an employee id is redacted",
    input: { texts: ["Ask EMP-123456 about it."], rules: [] },
    expect: { rewrites: [{ text: "Ask [EMPLOYEE_ID] about it." }], spans: [{ entity_type: "EMPLOYEE_ID", start: 4, end: 14 }] },
  },
  {
    name: "the built-in types still work beside it",
    input: { texts: ["mail a@b.io, badge EMP-654321"], rules: [{ entity_type: "EMAIL_ADDRESS", action: "PII_ACTION_PLACEHOLDER" }] },
    expect: { rewrites: [{ text: "mail <EMAIL_1>, badge [EMPLOYEE_ID]" }] },
  },
  {
    name: "too few digits is not an employee id",
    input: { texts: ["EMP-12345 is a ticket"], rules: [] },
    expect: { spans: [] },
  },
];

const TOKENS_CASES = [
  { name: "counts as cl100k_base does", input: { encoding: "cl100k_base", texts: ["hello world"] }, expect: { counts: [2] } },
];

export const TEMPLATES: Record<SlotName, Template> = {
  router: { index: ROUTER, cases: ROUTER_CASES, maxMemoryPages: 32 },
  guard: { index: GUARD, cases: GUARD_CASES, maxMemoryPages: 64 },
  pii: { index: PII, cases: PII_CASES, maxMemoryPages: 512 },
  tokens: { index: TOKENS, cases: TOKENS_CASES, maxMemoryPages: 1024 },
};
