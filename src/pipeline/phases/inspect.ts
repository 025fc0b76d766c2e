import type { ChatChunk, ChatRequest, ImagePart } from "../../gen/sluice/v1/gateway_pb.js";
import { SluiceError } from "../../errors/sluice-error.js";
import { piiScoring, PlaceholderStreamRestorer, PolicyRefusedError, withScoring, type PiiSlot } from "../../policy/index.js";
import type { RequestContext } from "../context.js";
import type { Phase } from "../phase.js";
import { appendHeldBack } from "./held-back.js";

/**
 * The `pii` policy slot before dispatch: one module call over every free text of the request
 * (requestTexts); a blocked type refuses the request (naming the type, never the value),
 * rewritten texts (placeholders, redactions, masks) replace the originals in what is sent
 * upstream and recorded, and the placeholders are kept on the context for the respond phase.
 */
export function inspectPhase(pii: PiiSlot): Phase {
  return {
    name: "inspect",
    async onRequest(ctx) {
      const scan = await scanTexts(pii, requestTexts(ctx.request), undefined, ctx);
      if (scan?.outcome !== "rewritten") return;
      ctx.request = withTexts(ctx.request, scan.texts);
      if (scan.placeholders.size > 0) ctx.placeholders = scan.placeholders;
    },
  };
}

/**
 * Embeddings: the inputs through the same slot. Nothing comes back to restore placeholders in
 * (a vector), so placeholder rules act as redactions here (`[EMAIL_ADDRESS]`: the same text for
 * every value, which also keeps vectors of the same sentence about different people alike).
 */
export function inspectEmbedPhase(pii: PiiSlot): Phase {
  const redacting = Object.fromEntries(Object.entries(pii.rules).map(([type, action]) => [type, action === "placeholder" ? "redact" : action])) as typeof pii.rules;
  const rules = withScoring(redacting, piiScoring(pii.rules)); // the configured min_score and context window still apply
  return {
    name: "inspect",
    async onRequest(ctx) {
      const request = ctx.embedRequest!;
      const scan = await scanTexts(pii, request.inputs, rules, ctx);
      if (scan?.outcome === "rewritten") request.inputs = scan.texts;
    },
  };
}

type PiiScanResult = Awaited<ReturnType<PiiSlot["scan"]>>;

/** One scan; refuses the request when a blocked type is found or the slot fails closed. */
async function scanTexts(pii: PiiSlot, texts: string[], rules: PiiSlot["rules"] | undefined, ctx: RequestContext): Promise<PiiScanResult | undefined> {
  if (texts.length === 0) return undefined;
  let scan: PiiScanResult;
  try {
    scan = await pii.scan(texts, rules);
  } catch (err) {
    if (err instanceof PolicyRefusedError) {
      throw new SluiceError("unavailable", "the request could not be checked for personal data (policy module failed); try again", { cause: err });
    }
    throw err;
  }
  ctx.record.trace?.event("policy", { "sluice.policy.slot": "pii", "sluice.policy.module_version": scan.version ?? undefined, "sluice.policy.outcome": scan.outcome, "sluice.pii.findings": scan.findings.length, "sluice.pii.blocked_types": scan.blockedEntityTypes.length > 0 ? scan.blockedEntityTypes : undefined });
  if (scan.outcome === "blocked") {
    throw new SluiceError("policy_blocked", `the request contains data that may not be sent: ${scan.blockedEntityTypes.join(", ")}`);
  }
  return scan;
}

/**
 * On the way back: placeholders in the answer's text, refusal and tool-call arguments are
 * restored, including placeholders split across chunks. It sits after dispatch in the phase
 * list, so the phases before it (the cache) see the answer as the provider gave it: the cache
 * never holds the original values.
 */
export function respondPhase(): Phase {
  const restorers = new WeakMap<RequestContext, Map<string, PlaceholderStreamRestorer>>();
  return {
    name: "respond",
    onChunk(ctx, chunk) {
      if (!ctx.placeholders) return;
      let perField = restorers.get(ctx);
      if (!perField) restorers.set(ctx, (perField = new Map()));
      const fields = perField;
      const restore = (field: string, text: string): string => {
        let r = fields.get(field);
        if (!r) fields.set(field, (r = new PlaceholderStreamRestorer(ctx.placeholders!)));
        return r.push(text);
      };
      chunk.textDelta = restore("text", chunk.textDelta);
      chunk.refusalDelta = restore("refusal", chunk.refusalDelta);
      for (const d of chunk.toolCallDeltas) d.argumentsDelta = restore(`tool:${d.index}`, d.argumentsDelta);
      if (chunk.finishReason) appendHeldBack(perField, chunk);
    },
  };
}

/**
 * Every free text of the request that leaves the gateway or is stored, in order: per message its
 * text parts, remote image URLs (`data:` URLs are image bytes, not text), refusal and tool-call
 * arguments; then the end-user id (`user`) and the caller's metadata values (ChatRequest.tags,
 * written to the ledger). Not scanned: `reasoning` (providers sign it; a rewrite would void it),
 * names and ids. Empty strings are skipped; withTexts walks the same fields in the same order.
 */
function requestTexts(request: ChatRequest): string[] {
  const texts: string[] = [];
  for (const m of request.messages) {
    for (const p of m.content) {
      if (p.part.case === "text") texts.push(p.part.value);
      else if (p.part.case === "image" && isRemoteUrl(p.part.value)) texts.push(p.part.value.source.value as string);
    }
    if (m.refusal) texts.push(m.refusal);
    for (const c of m.toolCalls) if (c.argumentsJson) texts.push(c.argumentsJson);
  }
  if (request.user) texts.push(request.user);
  for (const v of Object.values(request.tags)) if (v) texts.push(v);
  return texts;
}

function isRemoteUrl(image: ImagePart): boolean {
  return image.source.case === "url" && image.source.value !== "" && !image.source.value.startsWith("data:");
}

/**
 * The request with its texts replaced, in the order requestTexts read them. The original is left
 * as it was (earlier phases may hold it); only the messages and parts whose text changed are
 * copied, the rest is shared: a full protobuf-es clone of a chat request costs several µs.
 */
function withTexts(request: ChatRequest, texts: readonly string[]): ChatRequest {
  let i = 0;
  const next = (old: string): string => (old ? texts[i++]! : old);
  const messages = request.messages.map((m) => {
    let content: typeof m.content | undefined;
    m.content.forEach((p, k) => {
      if (p.part.case === "text") {
        const text = texts[i++]!;
        if (text === p.part.value) return;
        content ??= [...m.content];
        content[k] = { ...p, part: { case: "text", value: text } };
      } else if (p.part.case === "image" && isRemoteUrl(p.part.value)) {
        const url = texts[i++]!;
        if (url === p.part.value.source.value) return;
        content ??= [...m.content];
        content[k] = { ...p, part: { case: "image", value: { ...p.part.value, source: { case: "url", value: url } } } };
      }
    });
    const refusal = next(m.refusal);
    let toolCalls: typeof m.toolCalls | undefined;
    m.toolCalls.forEach((c, k) => {
      const args = next(c.argumentsJson);
      if (args === c.argumentsJson) return;
      toolCalls ??= [...m.toolCalls];
      toolCalls[k] = { ...c, argumentsJson: args };
    });
    if (!content && !toolCalls && refusal === m.refusal) return m;
    return { ...m, content: content ?? m.content, refusal, toolCalls: toolCalls ?? m.toolCalls };
  });
  const user = next(request.user);
  let tags = request.tags;
  for (const [k, v] of Object.entries(request.tags)) {
    const value = next(v);
    if (value === v) continue;
    if (tags === request.tags) tags = { ...request.tags };
    tags[k] = value;
  }
  return { ...request, messages, user, tags };
}
