import { FinishReason, type ToolCallDelta, type Usage } from "../../gen/sluice/v1/gateway_pb.js";
import { newToolCallDelta } from "../../core/canonical.js";
import { PartialArgsAssembler } from "./partial-args.js";
import { fromGeminiFinishReason, fromGeminiUsage, type GeminiFunctionCall, type GeminiResponse, type GeminiUsageMetadata } from "./wire.js";

interface PendingCall {
  id: string;
  name: string;
  args: string | PartialArgsAssembler;
}

/**
 * One Gemini answer being read, from a stream's events or from a whole response. Text and
 * reasoning pass straight through (`absorb` returns them); function calls, finish reason and
 * usage are held for the final chunk, because:
 * - Gemini sends `finishReason: STOP` even when it called tools, and in a stream with
 *   server-side tools (MCP) a STOP can arrive mid-answer; only the last one ends the answer;
 * - a `functionCall` followed by its `functionResponse` in the model's own output was run by
 *   Gemini (server-side MCP / tools), so it is not a call for the client to make;
 * - Vertex can stream a call's arguments in pieces (`partialArgs`, `willContinue`).
 * Calls get the part's `id` when Gemini sends one, else `call_<index>`.
 */
export class GeminiAnswer {
  id = "";
  model = "";
  private finish: string | undefined;
  private blockReason: string | undefined;
  private usage: GeminiUsageMetadata | undefined;
  private readonly calls: PendingCall[] = [];
  private open: PendingCall | undefined;

  constructor(private readonly passReasoning: boolean) {}

  absorb(r: GeminiResponse): { text: string; reasoning: string } {
    if (r.responseId) this.id = r.responseId;
    if (r.modelVersion) this.model = r.modelVersion;
    if (r.usageMetadata) this.usage = r.usageMetadata;
    if (r.promptFeedback?.blockReason) this.blockReason = r.promptFeedback.blockReason;
    const candidate = r.candidates?.[0];
    if (candidate?.finishReason) this.finish = candidate.finishReason;
    let text = "";
    let reasoning = "";
    for (const part of candidate?.content?.parts ?? []) {
      if (part.functionCall) this.addCall(part.functionCall);
      else if (part.functionResponse) this.dropAnswered(part.functionResponse);
      else if (part.text !== undefined) {
        if (!part.thought) text += part.text;
        else if (this.passReasoning) reasoning += part.text;
      }
    }
    return { text, reasoning };
  }

  /** Whether the answer ended (a finish reason or a blocked prompt) rather than being cut. */
  get complete(): boolean {
    return this.finish !== undefined || this.blockReason !== undefined;
  }

  get finishMessage(): string {
    return this.blockReason ? `prompt blocked (${this.blockReason})` : (this.finish ?? "");
  }

  /** The held parts of the last chunk: the client's tool calls, the finish reason, usage. */
  final(): { toolCallDeltas: ToolCallDelta[]; finishReason: FinishReason; usage: Usage | undefined } {
    this.closeOpen();
    const toolCallDeltas = this.calls.map((c, index) =>
      newToolCallDelta({ index, id: c.id || `call_${index}`, name: c.name, argumentsDelta: typeof c.args === "string" ? c.args : c.args.json() }),
    );
    let finishReason = this.blockReason ? FinishReason.CONTENT_FILTER : fromGeminiFinishReason(this.finish);
    if (toolCallDeltas.length > 0 && finishReason === FinishReason.STOP) finishReason = FinishReason.TOOL_CALLS;
    return { toolCallDeltas, finishReason: finishReason || FinishReason.STOP, usage: this.usage ? fromGeminiUsage(this.usage) : undefined };
  }

  private addCall(fc: GeminiFunctionCall): void {
    const streamed = fc.partialArgs !== undefined || fc.willContinue !== undefined;
    if (!streamed) {
      if (fc.name) {
        this.closeOpen();
        this.calls.push({ id: fc.id ?? "", name: fc.name, args: JSON.stringify(fc.args ?? {}) });
      } else {
        this.closeOpen(); // `functionCall: {}` ends a streamed call
      }
      return;
    }
    if (fc.name) {
      this.closeOpen();
      this.open = { id: fc.id ?? "", name: fc.name, args: new PartialArgsAssembler() };
    }
    if (this.open && typeof this.open.args !== "string") for (const piece of fc.partialArgs ?? []) this.open.args.add(piece);
    if (!fc.willContinue) this.closeOpen();
  }

  private closeOpen(): void {
    if (this.open) this.calls.push(this.open);
    this.open = undefined;
  }

  private dropAnswered(response: { id?: string; name?: string }): void {
    this.closeOpen();
    const i = this.calls.findIndex((c) => (response.id && c.id ? c.id === response.id : c.name === response.name));
    if (i >= 0) this.calls.splice(i, 1);
  }
}
