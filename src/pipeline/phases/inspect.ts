import type { ChatChunk, ChatRequest } from "../../gen/sluice/v1/gateway_pb.js";
import { SluiceError } from "../../errors/sluice-error.js";
import { PlaceholderStreamRestorer, PolicyRefusedError, type PiiSlot } from "../../policy/index.js";
import type { RequestContext } from "../context.js";
import type { Phase } from "../phase.js";

/**
 * The `pii` policy slot before dispatch: one module call over every text of the request; a
 * blocked type refuses the request (naming the type, never the value), rewritten texts
 * (placeholders, redactions, masks) replace the originals in what is sent upstream, and the
 * placeholders are kept on the context for the respond phase.
 */
export function inspectPhase(pii: PiiSlot): Phase {
  return {
    name: "inspect",
    async onRequest(ctx) {
      const texts = requestTexts(ctx.request);
      if (texts.length === 0) return;
      let scan;
      try {
        scan = await pii.scan(texts);
      } catch (err) {
        if (err instanceof PolicyRefusedError) {
          throw new SluiceError("unavailable", "the request could not be checked for personal data (policy module failed); try again", { cause: err });
        }
        throw err;
      }
      if (scan.outcome === "blocked") {
        throw new SluiceError("policy_blocked", `the request contains data that may not be sent: ${scan.blockedEntityTypes.join(", ")}`);
      }
      if (scan.outcome !== "rewritten") return;
      ctx.request = withTexts(ctx.request, scan.texts);
      if (scan.placeholders.size > 0) ctx.placeholders = scan.placeholders;
    },
  };
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
      if (chunk.finishReason) flush(perField, chunk);
    },
  };
}

/** At the end of the answer, what was held back (a `<` that never became a placeholder). */
function flush(perField: Map<string, PlaceholderStreamRestorer>, chunk: ChatChunk): void {
  for (const [field, r] of perField) {
    const rest = r.flush();
    if (rest === "") continue;
    if (field === "text") chunk.textDelta += rest;
    else if (field === "refusal") chunk.refusalDelta += rest;
    else {
      const index = Number(field.slice("tool:".length));
      const delta = chunk.toolCallDeltas.find((d) => d.index === index);
      if (delta) delta.argumentsDelta += rest;
      else chunk.toolCallDeltas.push({ $typeName: "sluice.v1.ToolCallDelta", index, id: "", name: "", argumentsDelta: rest });
    }
  }
}

/** Every text part of every message, in order (system prompts and tool results included). */
function requestTexts(request: ChatRequest): string[] {
  const texts: string[] = [];
  for (const m of request.messages) for (const p of m.content) if (p.part.case === "text") texts.push(p.part.value);
  return texts;
}

/**
 * The request with its text parts replaced, in the order requestTexts read them. The original is
 * left as it was (earlier phases may hold it); only the messages and parts whose text changed are
 * copied, the rest is shared: a full protobuf-es clone of a chat request costs several µs.
 */
function withTexts(request: ChatRequest, texts: readonly string[]): ChatRequest {
  let i = 0;
  const messages = request.messages.map((m) => {
    let content: typeof m.content | undefined;
    m.content.forEach((p, k) => {
      if (p.part.case !== "text") return;
      const text = texts[i++]!;
      if (text === p.part.value) return;
      content ??= [...m.content];
      content[k] = { ...p, part: { case: "text", value: text } };
    });
    return content ? { ...m, content } : m;
  });
  return { ...request, messages };
}
