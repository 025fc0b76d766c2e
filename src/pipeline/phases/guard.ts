import { Role, type ChatChunk, type ChatRequest } from "../../gen/sluice/v1/gateway_pb.js";
import { SluiceError } from "../../errors/sluice-error.js";
import {
  CanaryScanner, newCanary, PolicyRefusedError, withCanary, type GuardCheckResult, type GuardRole, type GuardSettings, type GuardSlot, type GuardText,
} from "../../policy/index.js";
import { GuardMetrics } from "../../telemetry/guard-metrics.js";
import type { GatewayMetrics } from "../../telemetry/metrics.js";
import type { RequestContext } from "../context.js";
import type { Phase } from "../phase.js";
import { appendHeldBack } from "./held-back.js";

export interface GuardDeps {
  slot: GuardSlot;
  settings: GuardSettings;
  metrics: GatewayMetrics;
}

const ROLES: Partial<Record<Role, GuardRole>> = {
  [Role.SYSTEM]: "system",
  [Role.DEVELOPER]: "system",
  [Role.USER]: "user",
  [Role.ASSISTANT]: "assistant",
  [Role.TOOL]: "tool",
};

/**
 * The `guard` policy slot (prompt injection, jailbreaks, system-prompt leaks), in two phases:
 * - `guard`, after inspect: one module call over the text parts of the configured roles; a
 *   detection is refused (`guard_blocked`, naming the label and the rule ids, never the text),
 *   flagged (`ctx.guard`, the `x-sluice-guard: flagged` header, metric, ledger) or logged. With
 *   the canary on it draws the request's canary, and on the way back it looks for it in every
 *   answer field (CanaryScanner: held back across chunks, removed): a leak applies the action
 *   (block ends the answer with `guard_blocked`, a stream with an error event). It sits before
 *   the cache, so the cache stores answers with the canary already removed.
 * - `canary`, after the cache: adds the canary to the system prompt of what goes upstream (after
 *   the cache so that cache keys never see a per-request random phrase).
 */
export function guardPhases(deps: GuardDeps): { guard: Phase; canary: Phase } {
  const { slot, settings } = deps;
  const metrics = new GuardMetrics(deps.metrics.registry);
  const scanners = new WeakMap<RequestContext, Map<string, CanaryScanner>>();
  const action = settings.action;

  const guard: Phase = {
    name: "guard",
    async onRequest(ctx) {
      const texts = guardTexts(ctx.request, settings.roles);
      let result: GuardCheckResult;
      try {
        result = await slot.check(texts);
      } catch (err) {
        if (err instanceof PolicyRefusedError) {
          metrics.checks.inc({ outcome: "skipped", action, label: "benign" });
          throw new SluiceError("unavailable", "the request could not be checked for prompt injection (policy module failed); try again", { cause: err });
        }
        throw err;
      }
      metrics.checks.inc({ outcome: result.outcome, action, label: GuardMetrics.label(result.label) });
      ctx.record.trace?.event("policy", { "sluice.policy.slot": "guard", "sluice.policy.module_version": result.version ?? undefined, "sluice.policy.outcome": result.outcome, "sluice.guard.label": result.label, "sluice.guard.score": result.score });
      if (settings.canary && hasSystemPrompt(ctx.request)) ctx.guard = { ...ctx.guard, canary: newCanary() };
      if (result.outcome === "skipped") {
        ctx.guard = { ...ctx.guard, outcome: "skipped" };
        ctx.record.guard = "skipped";
        return;
      }
      if (result.outcome !== "detected") return;
      const what = `${result.label} (${result.reasons.join(", ") || "model"})`;
      if (action === "block") {
        ctx.record.guard = `blocked:${result.label}`;
        throw new SluiceError("guard_blocked", `the request was refused by the prompt-injection guard: ${what}`);
      }
      ctx.guard = { ...ctx.guard, outcome: action === "flag" ? "flagged" : "logged", label: result.label, reasons: result.reasons, score: result.score };
      ctx.record.guard = `${action === "flag" ? "flagged" : "logged"}:${result.label}`;
    },
    onChunk(ctx, chunk) {
      const canary = ctx.guard?.canary;
      if (!canary) return;
      let perField = scanners.get(ctx);
      if (!perField) scanners.set(ctx, (perField = new Map()));
      const fields = perField;
      const scan = (field: string, text: string): string => {
        let s = fields.get(field);
        if (!s) {
          if (text === "") return text;
          fields.set(field, (s = new CanaryScanner(canary)));
        }
        return s.push(text);
      };
      chunk.textDelta = scan("text", chunk.textDelta);
      chunk.refusalDelta = scan("refusal", chunk.refusalDelta);
      for (const d of chunk.toolCallDeltas) d.argumentsDelta = scan(`tool:${d.index}`, d.argumentsDelta);
      // Flushed before the leak check: what was held back at the end can be the canary too.
      if (chunk.finishReason) appendHeldBack(fields, chunk);
      let leaked = false;
      for (const s of fields.values()) leaked ||= s.leaked;
      if (leaked && !ctx.guard!.canaryLeaked) {
        ctx.guard = { ...ctx.guard, canaryLeaked: true };
        metrics.canaryLeaks.inc({ action });
        if (action === "block") {
          ctx.record.guard = "blocked:canary_leak";
          throw new SluiceError("guard_blocked", "the answer was withheld by the prompt-injection guard: it contained the system prompt's canary (system prompt leak)");
        }
        ctx.record.guard = `${action === "flag" ? "flagged" : "logged"}:canary_leak`;
      }
    },
  };

  const canary: Phase = {
    name: "canary",
    onRequest(ctx) {
      const phrase = ctx.guard?.canary;
      if (phrase) ctx.request = withSystemCanary(ctx.request, phrase);
    },
  };
  return { guard, canary };
}

/** The text parts of the messages whose role is checked, with their roles. */
function guardTexts(request: ChatRequest, roles: ReadonlySet<GuardRole>): GuardText[] {
  const texts: GuardText[] = [];
  for (const m of request.messages) {
    const role = ROLES[m.role];
    if (!role || !roles.has(role)) continue;
    for (const p of m.content) if (p.part.case === "text" && p.part.value !== "") texts.push({ text: p.part.value, role });
  }
  return texts;
}

function hasSystemPrompt(request: ChatRequest): boolean {
  return request.messages.some((m) => (m.role === Role.SYSTEM || m.role === Role.DEVELOPER) && m.content.some((p) => p.part.case === "text"));
}

/** The request with the canary added to its first system (or developer) text part; the original
 *  is left as it was (earlier phases may hold it). */
function withSystemCanary(request: ChatRequest, canary: string): ChatRequest {
  const at = request.messages.findIndex((m) => (m.role === Role.SYSTEM || m.role === Role.DEVELOPER) && m.content.some((p) => p.part.case === "text"));
  if (at < 0) return request;
  const m = request.messages[at]!;
  const k = m.content.findIndex((p) => p.part.case === "text");
  const content = [...m.content];
  content[k] = { ...content[k]!, part: { case: "text", value: withCanary(content[k]!.part.value as string, canary) } };
  const messages = [...request.messages];
  messages[at] = { ...m, content };
  return { ...request, messages };
}
