import { CacheMode, ImageDetail, ResponseFormatType, Role, ToolChoiceMode, type ChatRequest } from "../gen/sluice/v1/gateway_pb.js";
import { SluiceError } from "../errors/sluice-error.js";

/**
 * The deepest nesting (objects and arrays) accepted in JSON a caller sends as data: tool
 * parameter schemas, a response format's schema, tool call arguments. The gateway and its
 * provider adapters parse and re-serialise these; deeper JSON is refused with `invalid_request`
 * before anything walks it.
 */
const MAX_JSON_DEPTH = 64;
/** The longest such JSON text, in characters. */
const MAX_JSON_CHARS = 1_048_576;

/**
 * Checks a canonical request the same way whichever surface built it, so a gRPC caller and a
 * REST caller get the same `invalid_request` for the same mistake. Enum fields must hold a value
 * the gateway knows (a gRPC client can send any number).
 */
export function validateChatRequest(request: ChatRequest): void {
  if (!request.model) invalid("model is required", "model");
  if (request.messages.length === 0) invalid("messages must not be empty", "messages");
  if (!known(CacheMode, request.cache)) invalid(`cache ${request.cache} is not a known cache mode`, "cache");
  request.messages.forEach((m, i) => {
    if (m.role === Role.UNSPECIFIED) invalid(`messages[${i}].role is required`, `messages[${i}].role`);
    if (!known(Role, m.role)) invalid(`messages[${i}].role ${m.role} is not a known role`, `messages[${i}].role`);
    if (m.role === Role.TOOL && !m.toolCallId) invalid(`messages[${i}]: a tool message needs tool_call_id`, `messages[${i}].tool_call_id`);
    m.content.forEach((part, j) => {
      if (part.part.case === "image" && !known(ImageDetail, part.part.value.detail)) {
        invalid(`messages[${i}].content[${j}].image_url.detail ${part.part.value.detail} is not a known detail`, `messages[${i}].content[${j}].image_url.detail`);
      }
    });
    m.toolCalls.forEach((c, j) => {
      if (c.argumentsJson) requireBoundedJsonText(c.argumentsJson, `messages[${i}].tool_calls[${j}].function.arguments`);
    });
  });
  request.tools.forEach((t, i) => {
    if (!t.name) invalid(`tools[${i}].name is required`, `tools[${i}].function.name`);
    if (t.parametersJson) requireJsonObject(t.parametersJson, `tools[${i}].function.parameters`);
  });
  const choice = request.toolChoice?.choice;
  if (choice?.case === "mode" && !known(ToolChoiceMode, choice.value)) invalid(`tool_choice ${choice.value} is not a known mode`, "tool_choice");
  const p = request.params;
  if (p) {
    if (p.temperature !== undefined && !(p.temperature >= 0 && p.temperature <= 2)) invalid("temperature must be between 0 and 2", "temperature");
    if (p.topP !== undefined && !(p.topP >= 0 && p.topP <= 1)) invalid("top_p must be between 0 and 1", "top_p");
    if (p.maxOutputTokens === 0) invalid("max output tokens must be at least 1", "max_completion_tokens");
    if (p.stop.length > 4) invalid("at most 4 stop sequences", "stop");
    if (p.responseFormat && !known(ResponseFormatType, p.responseFormat.type)) {
      invalid(`response_format.type ${p.responseFormat.type} is not a known type`, "response_format.type");
    }
    if (p.responseFormat?.type === ResponseFormatType.JSON_SCHEMA && p.responseFormat.schemaJson) {
      requireJsonObject(p.responseFormat.schemaJson, "response_format.json_schema.schema");
    }
  }
}

/**
 * For a surface that receives such JSON already parsed (REST) and must serialise it: refuses a
 * value nested deeper than the limit, walking it without recursion.
 */
export function requireBoundedJsonValue(value: unknown, param: string): void {
  const pending: Array<[node: unknown, depth: number]> = [[value, 1]];
  while (pending.length > 0) {
    const [node, depth] = pending.pop()!;
    if (node === null || typeof node !== "object") continue;
    if (depth > MAX_JSON_DEPTH) tooDeep(param);
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (child !== null && typeof child === "object") pending.push([child, depth + 1]);
    }
  }
}

/** Refuses JSON text over the size or depth limit; scans the text, parses nothing (it may not even be JSON). */
function requireBoundedJsonText(text: string, param: string): void {
  if (text.length > MAX_JSON_CHARS) invalid(`${param} is longer than ${MAX_JSON_CHARS} characters`, param);
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_JSON_DEPTH) tooDeep(param);
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
}

function requireJsonObject(text: string, param: string): void {
  requireBoundedJsonText(text, param);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    invalid(`${param} is not valid JSON`, param);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) invalid(`${param} must be a JSON object`, param);
}

/** Whether a number is a value of a generated (numeric) enum. */
function known(values: object, value: number): boolean {
  return typeof (values as Record<number, unknown>)[value] === "string";
}

function tooDeep(param: string): never {
  invalid(`${param} is nested deeper than ${MAX_JSON_DEPTH} levels`, param);
}

function invalid(message: string, param: string): never {
  throw new SluiceError("invalid_request", message, { param });
}
