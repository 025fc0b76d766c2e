import {
  CacheMode,
  ImageDetail,
  ResponseFormatType,
  Role,
  ToolChoiceMode,
  type ChatRequest,
  type ContentPart,
  type GenerationParams,
  type Message,
  type ResponseFormat,
  type Tool,
  type ToolCall,
  type ToolChoice,
} from "../../../gen/sluice/v1/gateway_pb.js";
import { requireBoundedJsonValue } from "../../../pipeline/validate.js";
import { decodeCacheControl, withCache } from "../cache-control.js";
import { asArray, asObject, invalid, optBoolean, optNumber, optString, optUint32, requiredString, type Json } from "./fields.js";

/** What the surface needs besides the canonical request. */
export interface DecodedMessages {
  request: ChatRequest;
  stream: boolean;
}

/**
 * An Anthropic Messages request body (already JSON-parsed) -> canonical request.
 * - `system` (a string or text blocks) becomes one system message at the top.
 * - A user turn's `tool_result` blocks become tool messages (canonical: one per result, in
 *   order), its other blocks user messages; an assistant turn's `tool_use` blocks become its
 *   tool calls and its `thinking` block its reasoning, with the signature.
 * - `redacted_thinking` is dropped (the canonical model cannot carry it); block types the
 *   gateway cannot carry to every provider (documents, server tools, files) are a 400 naming
 *   the block, rather than silently lost.
 * - `thinking.budget_tokens`, `top_k`, `output_config.effort` (the canonical reasoning effort)
 *   and `output_config.format` (a JSON schema answer) go to the canonical params;
 *   `metadata.user_id` is the request's user.
 * - `cache_control` on system, text, image and tool_result blocks and on tools becomes a
 *   canonical caching breakpoint (on a tool result: on its last part); on `tool_use` blocks,
 *   where the canonical tool call has no place for it, it is ignored. Fields the gateway does
 *   not use (`service_tier`, `speed`, ...) are ignored, as the OpenAI surface ignores unknown fields.
 * `countTokens`: the count_tokens body, which has no `max_tokens` and no `stream`.
 */
export function decodeMessagesRequest(body: unknown, countTokens = false): DecodedMessages {
  const b = asObject(body, "");
  const model = requiredString(b.model, "model");
  if (model === "") invalid("model: must not be empty", "model");
  const maxTokens = optUint32(b.max_tokens, "max_tokens");
  if (!countTokens && maxTokens === undefined) invalid("max_tokens: Field required", "max_tokens");
  if (maxTokens === 0) invalid("max_tokens: must be at least 1", "max_tokens");

  const messages: Message[] = decodeSystem(b.system);
  asArray(b.messages, "messages").forEach((m, i) => messages.push(...decodeTurn(m, `messages.${i}`)));

  const toolChoice = b.tool_choice === undefined || b.tool_choice === null ? undefined : asObject(b.tool_choice, "tool_choice");
  const output = b.output_config === undefined || b.output_config === null ? {} : asObject(b.output_config, "output_config");
  const params: GenerationParams = {
    $typeName: "sluice.v1.GenerationParams",
    temperature: optNumber(b.temperature, "temperature"),
    topP: optNumber(b.top_p, "top_p"),
    topK: optUint32(b.top_k, "top_k"),
    maxOutputTokens: maxTokens,
    stop: decodeStopSequences(b.stop_sequences),
    seed: undefined,
    responseFormat: decodeOutputFormat(output.format),
    presencePenalty: undefined,
    frequencyPenalty: undefined,
    // Anthropic's `disable_parallel_tool_use` is OpenAI's parallel_tool_calls=false.
    parallelToolCalls: optBoolean(toolChoice?.disable_parallel_tool_use, "tool_choice.disable_parallel_tool_use") === true ? false : undefined,
    reasoningEffort: optString(output.effort, "output_config.effort") ?? "",
    reasoningBudgetTokens: decodeThinking(b.thinking),
  };
  const hasParams = Object.entries(params).some(([k, v]) => k !== "$typeName" && v !== undefined && v !== "" && !(Array.isArray(v) && v.length === 0));
  const metadata = b.metadata === undefined || b.metadata === null ? {} : asObject(b.metadata, "metadata");
  const request: ChatRequest = {
    $typeName: "sluice.v1.ChatRequest",
    model,
    messages,
    tools: decodeTools(b.tools),
    toolChoice: decodeToolChoice(toolChoice),
    params: hasParams ? params : undefined,
    tags: {},
    user: optString(metadata.user_id, "metadata.user_id") ?? "",
    cache: CacheMode.UNSPECIFIED,
  };
  const stream = countTokens ? false : (optBoolean(b.stream, "stream") ?? false);
  return { request, stream };
}

function decodeSystem(value: unknown): Message[] {
  if (value === undefined || value === null) return [];
  if (typeof value === "string") return value === "" ? [] : [message(Role.SYSTEM, [textPart(value)])];
  const parts = asArray(value, "system").map((v, i) => {
    const block = asObject(v, `system.${i}`);
    if (block.type !== "text") invalid(`system.${i}.type: system blocks must be text`, `system.${i}.type`);
    return withCache(textPart(requiredString(block.text, `system.${i}.text`)), decodeCacheControl(block.cache_control, `system.${i}.cache_control`));
  });
  return parts.length === 0 ? [] : [message(Role.SYSTEM, parts)];
}

/** One Anthropic turn -> canonical messages (a user turn with tool results becomes several). */
function decodeTurn(value: unknown, at: string): Message[] {
  const m = asObject(value, at);
  if (m.role !== "user" && m.role !== "assistant") invalid(`${at}.role: must be "user" or "assistant"`, `${at}.role`);
  const blocks = typeof m.content === "string" ? [{ type: "text", text: m.content }] : asArray(m.content, `${at}.content`);
  return m.role === "assistant" ? [decodeAssistant(blocks, `${at}.content`)] : decodeUser(blocks, `${at}.content`);
}

function decodeUser(blocks: unknown[], at: string): Message[] {
  const out: Message[] = [];
  let pending: ContentPart[] = [];
  const flush = () => {
    if (pending.length > 0) out.push(message(Role.USER, pending));
    pending = [];
  };
  blocks.forEach((v, i) => {
    const block = asObject(v, `${at}.${i}`);
    if (block.type === "tool_result") {
      flush();
      out.push(decodeToolResult(block, `${at}.${i}`));
    } else {
      pending.push(decodeContentBlock(block, `${at}.${i}`));
    }
  });
  flush();
  // An empty user turn is still a turn (Anthropic refuses it; the gateway's validation says why).
  return out.length > 0 ? out : [message(Role.USER, [])];
}

function decodeAssistant(blocks: unknown[], at: string): Message {
  const parts: ContentPart[] = [];
  const toolCalls: ToolCall[] = [];
  let reasoning = "";
  let reasoningSignature = "";
  blocks.forEach((v, i) => {
    const block = asObject(v, `${at}.${i}`);
    const here = `${at}.${i}`;
    switch (block.type) {
      case "tool_use": {
        const input = block.input === undefined ? {} : asObject(block.input, `${here}.input`);
        requireBoundedJsonValue(input, `${here}.input`);
        toolCalls.push({ $typeName: "sluice.v1.ToolCall", id: requiredString(block.id, `${here}.id`), name: requiredString(block.name, `${here}.name`), argumentsJson: JSON.stringify(input) });
        break;
      }
      case "thinking":
        reasoning += requiredString(block.thinking, `${here}.thinking`);
        reasoningSignature = optString(block.signature, `${here}.signature`) ?? reasoningSignature;
        break;
      case "redacted_thinking":
        // Encrypted thinking only Anthropic can read; the canonical model has no place for it.
        break;
      default:
        parts.push(decodeContentBlock(block, here));
    }
  });
  return { ...message(Role.ASSISTANT, parts), toolCalls, reasoning, reasoningSignature };
}

function decodeToolResult(block: Json, at: string): Message {
  const toolUseId = requiredString(block.tool_use_id, `${at}.tool_use_id`);
  const toolError = optBoolean(block.is_error, `${at}.is_error`) === true;
  let parts: ContentPart[] = [];
  if (typeof block.content === "string") parts = [textPart(block.content)];
  else if (block.content !== undefined && block.content !== null) {
    parts = asArray(block.content, `${at}.content`).map((v, i) => decodeContentBlock(asObject(v, `${at}.content.${i}`), `${at}.content.${i}`));
  }
  // The block's breakpoint rides on its last part (an empty result gets an empty text part to carry it).
  const cache = decodeCacheControl(block.cache_control, `${at}.cache_control`);
  if (cache) parts = parts.length === 0 ? [withCache(textPart(""), cache)] : [...parts.slice(0, -1), withCache(parts.at(-1)!, cache)];
  return { ...message(Role.TOOL, parts), toolCallId: toolUseId, toolError };
}

/** A text or image block; anything else is refused by name. */
function decodeContentBlock(block: Json, at: string): ContentPart {
  const cache = decodeCacheControl(block.cache_control, `${at}.cache_control`);
  if (block.type === "text") return withCache(textPart(requiredString(block.text, `${at}.text`)), cache);
  if (block.type === "image") return withCache(imagePart(asObject(block.source, `${at}.source`), `${at}.source`), cache);
  const type = typeof block.type === "string" ? block.type : JSON.stringify(block.type);
  return invalid(`${at}.type: content blocks of type ${type} are not supported by this gateway (text, image, tool_use, tool_result, thinking)`, `${at}.type`);
}

function imagePart(source: Json, at: string): ContentPart {
  let url: string;
  if (source.type === "base64") {
    const mediaType = requiredString(source.media_type, `${at}.media_type`);
    if (!/^image\/[a-z0-9.+-]+$/i.test(mediaType)) invalid(`${at}.media_type: must be an image type (image/jpeg, image/png, image/gif, image/webp)`, `${at}.media_type`);
    // Kept as a data URL: every adapter takes one, and the base64 is not decoded and re-encoded.
    url = `data:${mediaType};base64,${requiredString(source.data, `${at}.data`)}`;
  } else if (source.type === "url") {
    url = requiredString(source.url, `${at}.url`);
  } else {
    invalid(`${at}.type: image sources must be "base64" or "url"`, `${at}.type`);
  }
  return {
    $typeName: "sluice.v1.ContentPart",
    part: { case: "image", value: { $typeName: "sluice.v1.ImagePart", source: { case: "url", value: url }, mediaType: "", detail: ImageDetail.UNSPECIFIED } },
  };
}

function decodeTools(value: unknown): Tool[] {
  if (value === undefined || value === null) return [];
  return asArray(value, "tools").map((v, i) => {
    const tool = asObject(v, `tools.${i}`);
    // Client tools have no type or "custom"; Anthropic's server tools (web search, bash, ...) run at Anthropic only.
    if (tool.type !== undefined && tool.type !== null && tool.type !== "custom") {
      invalid(`tools.${i}.type: ${JSON.stringify(tool.type)} is a server tool of Anthropic's; this gateway passes client tools only`, `tools.${i}.type`);
    }
    const schema = asObject(tool.input_schema, `tools.${i}.input_schema`);
    requireBoundedJsonValue(schema, `tools.${i}.input_schema`);
    return {
      $typeName: "sluice.v1.Tool",
      name: requiredString(tool.name, `tools.${i}.name`),
      description: optString(tool.description, `tools.${i}.description`) ?? "",
      parametersJson: JSON.stringify(schema),
      strict: optBoolean(tool.strict, `tools.${i}.strict`) ?? false,
      cache: decodeCacheControl(tool.cache_control, `tools.${i}.cache_control`),
    };
  });
}

const toolChoiceModes: Record<string, ToolChoiceMode> = { auto: ToolChoiceMode.AUTO, any: ToolChoiceMode.REQUIRED, none: ToolChoiceMode.NONE };

function decodeToolChoice(choice: Json | undefined): ToolChoice | undefined {
  if (!choice) return undefined;
  if (choice.type === "tool") {
    return { $typeName: "sluice.v1.ToolChoice", choice: { case: "functionName", value: requiredString(choice.name, "tool_choice.name") } };
  }
  const mode = typeof choice.type === "string" ? toolChoiceModes[choice.type] : undefined;
  if (mode === undefined) invalid('tool_choice.type: must be "auto", "any", "tool" or "none"', "tool_choice.type");
  return { $typeName: "sluice.v1.ToolChoice", choice: { case: "mode", value: mode } };
}

function decodeStopSequences(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return asArray(value, "stop_sequences").map((s, i) => requiredString(s, `stop_sequences.${i}`));
}

/**
 * `thinking`: `{type: "enabled", budget_tokens}` sets the budget. `disabled` leaves it unset,
 * and so do `adaptive` and `between_tools`, which have no canonical form: the model thinks as
 * its provider's default has it.
 */
function decodeThinking(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  const thinking = asObject(value, "thinking");
  if (thinking.type === "disabled" || thinking.type === "adaptive" || thinking.type === "between_tools") return undefined;
  if (thinking.type !== "enabled") invalid('thinking.type: must be "enabled", "adaptive", "between_tools" or "disabled"', "thinking.type");
  const budget = optUint32(thinking.budget_tokens, "thinking.budget_tokens");
  if (budget === undefined || budget < 1) invalid("thinking.budget_tokens: Field required (a positive integer)", "thinking.budget_tokens");
  return budget;
}

/** `output_config.format`: `{type: "json_schema", schema}`, the canonical JSON-schema response format. */
function decodeOutputFormat(value: unknown): ResponseFormat | undefined {
  if (value === undefined || value === null) return undefined;
  const format = asObject(value, "output_config.format");
  if (format.type !== "json_schema") invalid('output_config.format.type: must be "json_schema"', "output_config.format.type");
  const schema = asObject(format.schema, "output_config.format.schema");
  requireBoundedJsonValue(schema, "output_config.format.schema");
  // OpenAI-format upstreams need a name for the schema; Anthropic's has none.
  return { $typeName: "sluice.v1.ResponseFormat", type: ResponseFormatType.JSON_SCHEMA, name: "output", schemaJson: JSON.stringify(schema), strict: false };
}

function message(role: Role, content: ContentPart[]): Message {
  return { $typeName: "sluice.v1.Message", role, content, name: "", toolCalls: [], toolCallId: "", refusal: "", reasoning: "", reasoningSignature: "", toolError: false };
}

function textPart(text: string): ContentPart {
  return { $typeName: "sluice.v1.ContentPart", part: { case: "text", value: text } };
}
