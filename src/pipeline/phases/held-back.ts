import type { ChatChunk } from "../../gen/sluice/v1/gateway_pb.js";

/**
 * At the end of an answer, what per-field stream scanners held back (the respond phase's `<`
 * that never became a placeholder, the guard's end that never became the canary) goes out on
 * the last chunk, in the field it came from: "text", "refusal" or "tool:<index>".
 */
export function appendHeldBack(fields: ReadonlyMap<string, { flush(): string }>, chunk: ChatChunk): void {
  for (const [field, scanner] of fields) {
    const rest = scanner.flush();
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
