import { ResponseFormatType, Role, type ChatRequest } from "../gen/sluice/v1/gateway_pb.js";
import { SluiceError } from "../errors/sluice-error.js";

/**
 * Checks a canonical request the same way whichever surface built it, so a gRPC caller and a
 * REST caller get the same `invalid_request` for the same mistake.
 */
export function validateChatRequest(request: ChatRequest): void {
  if (!request.model) invalid("model is required", "model");
  if (request.messages.length === 0) invalid("messages must not be empty", "messages");
  request.messages.forEach((m, i) => {
    if (m.role === Role.UNSPECIFIED) invalid(`messages[${i}].role is required`, `messages[${i}].role`);
    if (m.role === Role.TOOL && !m.toolCallId) invalid(`messages[${i}]: a tool message needs tool_call_id`, `messages[${i}].tool_call_id`);
  });
  request.tools.forEach((t, i) => {
    if (!t.name) invalid(`tools[${i}].name is required`, `tools[${i}].function.name`);
    if (t.parametersJson) requireJsonObject(t.parametersJson, `tools[${i}].function.parameters`);
  });
  const p = request.params;
  if (p) {
    if (p.temperature !== undefined && !(p.temperature >= 0 && p.temperature <= 2)) invalid("temperature must be between 0 and 2", "temperature");
    if (p.topP !== undefined && !(p.topP >= 0 && p.topP <= 1)) invalid("top_p must be between 0 and 1", "top_p");
    if (p.maxOutputTokens === 0) invalid("max output tokens must be at least 1", "max_completion_tokens");
    if (p.stop.length > 4) invalid("at most 4 stop sequences", "stop");
    if (p.responseFormat?.type === ResponseFormatType.JSON_SCHEMA && p.responseFormat.schemaJson) {
      requireJsonObject(p.responseFormat.schemaJson, "response_format.json_schema.schema");
    }
  }
}

function requireJsonObject(text: string, param: string): void {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    invalid(`${param} is not valid JSON`, param);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) invalid(`${param} must be a JSON object`, param);
}

function invalid(message: string, param: string): never {
  throw new SluiceError("invalid_request", message, { param });
}
