import {
  ImageDetail,
  ResponseFormatType,
  Role,
  ToolChoiceMode,
  type ChatRequest,
  type ContentPart,
  type Message,
} from "../../gen/sluice/v1/gateway_pb.js";

/**
 * Canonical request -> OpenAI chat-completions body. This is the wire format of OpenAI and of
 * every OpenAI-compatible server; `maxTokensField` covers the one split among them (OpenAI's
 * own API wants `max_completion_tokens`; many compatible servers only know `max_tokens`).
 */
export function toOpenAIBody(
  request: ChatRequest,
  model: string,
  stream: boolean,
  maxTokensField: "max_completion_tokens" | "max_tokens",
): Record<string, unknown> {
  const body: Record<string, unknown> = { model, messages: request.messages.map(toOpenAIMessage) };
  if (stream) {
    body.stream = true;
    // Always ask for usage: the gateway needs it for accounting even when the caller did not.
    body.stream_options = { include_usage: true };
  }
  if (request.tools.length > 0) {
    body.tools = request.tools.map((t) => ({
      type: "function",
      function: {
        name: t.name,
        ...(t.description ? { description: t.description } : {}),
        ...(t.parametersJson ? { parameters: JSON.parse(t.parametersJson) } : {}),
        ...(t.strict ? { strict: true } : {}),
      },
    }));
  }
  const choice = request.toolChoice?.choice;
  if (choice?.case === "mode") {
    const mode = toolChoiceModes[choice.value];
    if (mode) body.tool_choice = mode;
  } else if (choice?.case === "functionName") {
    body.tool_choice = { type: "function", function: { name: choice.value } };
  }
  const p = request.params;
  if (p) {
    if (p.temperature !== undefined) body.temperature = p.temperature;
    if (p.topP !== undefined) body.top_p = p.topP;
    if (p.maxOutputTokens !== undefined) body[maxTokensField] = p.maxOutputTokens;
    if (p.stop.length > 0) body.stop = p.stop;
    if (p.seed !== undefined) body.seed = Number(p.seed);
    if (p.presencePenalty !== undefined) body.presence_penalty = p.presencePenalty;
    if (p.frequencyPenalty !== undefined) body.frequency_penalty = p.frequencyPenalty;
    if (p.parallelToolCalls !== undefined) body.parallel_tool_calls = p.parallelToolCalls;
    if (p.reasoningEffort) body.reasoning_effort = p.reasoningEffort;
    const rf = p.responseFormat;
    if (rf?.type === ResponseFormatType.TEXT) body.response_format = { type: "text" };
    else if (rf?.type === ResponseFormatType.JSON_OBJECT) body.response_format = { type: "json_object" };
    else if (rf?.type === ResponseFormatType.JSON_SCHEMA) {
      body.response_format = {
        type: "json_schema",
        json_schema: { name: rf.name, schema: rf.schemaJson ? JSON.parse(rf.schemaJson) : {}, ...(rf.strict ? { strict: true } : {}) },
      };
    }
  }
  if (request.user) body.user = request.user;
  return body;
}

const toolChoiceModes: Record<number, string | undefined> = {
  [ToolChoiceMode.AUTO]: "auto",
  [ToolChoiceMode.NONE]: "none",
  [ToolChoiceMode.REQUIRED]: "required",
};

const roles: Record<number, string> = {
  [Role.SYSTEM]: "system",
  [Role.USER]: "user",
  [Role.ASSISTANT]: "assistant",
  [Role.TOOL]: "tool",
  [Role.DEVELOPER]: "developer",
};

function toOpenAIMessage(m: Message): Record<string, unknown> {
  const out: Record<string, unknown> = { role: roles[m.role] ?? "user" };
  out.content = toOpenAIContent(m.content, m.role === Role.ASSISTANT && m.toolCalls.length > 0);
  if (m.name) out.name = m.name;
  if (m.toolCalls.length > 0) {
    out.tool_calls = m.toolCalls.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: c.argumentsJson } }));
  }
  if (m.toolCallId) out.tool_call_id = m.toolCallId;
  if (m.refusal) out.refusal = m.refusal;
  return out;
}

/** A single text part goes as a plain string (what every compatible server accepts). */
function toOpenAIContent(parts: ContentPart[], nullable: boolean): unknown {
  if (parts.length === 0) return nullable ? null : "";
  if (parts.length === 1 && parts[0]!.part.case === "text") return parts[0]!.part.value;
  return parts.map((p) => {
    if (p.part.case === "text") return { type: "text", text: p.part.value };
    if (p.part.case === "image") {
      const image = p.part.value;
      const url =
        image.source.case === "data"
          ? `data:${image.mediaType || "image/png"};base64,${Buffer.from(image.source.value).toString("base64")}`
          : image.source.case === "url"
            ? image.source.value
            : "";
      const detail = imageDetails[image.detail];
      return { type: "image_url", image_url: detail ? { url, detail } : { url } };
    }
    return { type: "text", text: "" };
  });
}

const imageDetails: Record<number, string | undefined> = {
  [ImageDetail.AUTO]: "auto",
  [ImageDetail.LOW]: "low",
  [ImageDetail.HIGH]: "high",
};
