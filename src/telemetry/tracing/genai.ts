// The OpenTelemetry GenAI semantic conventions (gen_ai.*) as Sluice fills them in.
import { FinishReason, Role, type ChatRequest } from "../../gen/sluice/v1/gateway_pb.js";
import type { RecordedSpan } from "./recorded-span.js";

/** `gen_ai.provider.name` by provider kind (the conventions' well-known values; a kind they do not name is used as is). */
const PROVIDER_NAMES: Record<string, string> = {
  openai: "openai",
  "azure-openai": "azure.ai.openai",
  anthropic: "anthropic",
  gemini: "gcp.gemini",
  bedrock: "aws.bedrock",
};

export function providerName(kind: string): string {
  return PROVIDER_NAMES[kind] ?? kind;
}

/** `gen_ai.operation.name` of a gateway operation; undefined for operations that are not GenAI calls. */
export function operationName(operation: string): string | undefined {
  return operation === "chat" ? "chat" : operation === "embed" ? "embeddings" : undefined;
}

/** The request's model and generation parameters, on `span`. */
export function setRequestAttributes(span: RecordedSpan, model: string, request: ChatRequest | undefined): void {
  if (model) span.set("gen_ai.request.model", model);
  const p = request?.params;
  if (p === undefined) return;
  span.setDefined("gen_ai.request.max_tokens", p.maxOutputTokens);
  span.setDefined("gen_ai.request.temperature", p.temperature);
  span.setDefined("gen_ai.request.top_p", p.topP);
  if (p.stop.length > 0) span.set("gen_ai.request.stop_sequences", p.stop);
}

const FINISH: Record<FinishReason, string | undefined> = {
  [FinishReason.UNSPECIFIED]: undefined,
  [FinishReason.STOP]: "stop",
  [FinishReason.LENGTH]: "length",
  [FinishReason.TOOL_CALLS]: "tool_calls",
  [FinishReason.CONTENT_FILTER]: "content_filter",
  [FinishReason.REFUSAL]: "refusal",
};

export function finishReason(reason: FinishReason): string | undefined {
  return FINISH[reason];
}

const ROLES: Record<Role, string> = {
  [Role.UNSPECIFIED]: "user",
  [Role.SYSTEM]: "system",
  [Role.USER]: "user",
  [Role.ASSISTANT]: "assistant",
  [Role.TOOL]: "tool",
  [Role.DEVELOPER]: "system",
};

/**
 * `gen_ai.input.messages` (JSON, the conventions' message shape) of the request as it is sent
 * upstream: after the pii slot rewrote it, so placeholders and redactions, never the originals.
 * Text parts and tool calls only (images are left out).
 */
export function inputMessages(request: ChatRequest): string {
  return JSON.stringify(
    request.messages.map((m) => {
      const parts: object[] = [];
      for (const c of m.content) if (c.part.case === "text") parts.push({ type: "text", content: c.part.value });
      for (const t of m.toolCalls) parts.push({ type: "tool_call", id: t.id, name: t.name, arguments: t.argumentsJson });
      if (m.role === Role.TOOL) return { role: "tool", parts: [{ type: "tool_call_response", id: m.toolCallId, response: parts.map((p) => (p as { content?: string }).content ?? "").join("") }] };
      return { role: ROLES[m.role], parts };
    }),
  );
}

/** `gen_ai.output.messages` (JSON) of the answer's text as the provider sent it. */
export function outputMessages(text: string, finish: string | undefined): string {
  return JSON.stringify([{ role: "assistant", parts: [{ type: "text", content: text }], finish_reason: finish ?? "" }]);
}
