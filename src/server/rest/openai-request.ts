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
  type PromptRef,
  type ResponseFormat,
  type Tool,
  type ToolCall,
  type ToolChoice,
} from "../../gen/sluice/v1/gateway_pb.js";
import { SluiceError } from "../../errors/sluice-error.js";
import { requireBoundedJsonValue } from "../../pipeline/validate.js";
import { decodeCacheControl, withCache } from "./cache-control.js";

const cacheModes: Record<string, CacheMode> = { use: CacheMode.UNSPECIFIED, bypass: CacheMode.BYPASS, refresh: CacheMode.REFRESH };

/** The `x-sluice-cache` header (use, bypass, refresh) as the canonical cache mode. */
export function decodeCacheHeader(value: string | string[] | undefined): CacheMode {
  if (value === undefined) return CacheMode.UNSPECIFIED;
  const mode = typeof value === "string" ? cacheModes[value.trim().toLowerCase()] : undefined;
  if (mode === undefined) invalid('x-sluice-cache must be "use", "bypass" or "refresh"', "x-sluice-cache");
  return mode;
}

/** What the REST surface needs besides the canonical request. */
export interface DecodedChatCompletion {
  request: ChatRequest;
  stream: boolean;
  includeUsage: boolean;
}

/**
 * OpenAI request fields that change the answer and that the canonical request does not carry to
 * any provider. Asking for one is refused (400 `invalid_request`, `param` names it) rather than
 * dropped: a client that asks for log-probabilities or a bias must not get an answer silently
 * without them. (Carrying log-probabilities would also be unsafe: their tokens are the answer's
 * text, which the pii slot's respond phase and the guard's canary scan rewrite.) Each test says
 * when the field asks for something: at its "off" value (false, null, 0, {}, ["text"]), as SDK
 * wrappers send defaults, it passes.
 */
const unhonoured: Record<string, { asks: (v: unknown) => boolean; instead?: string }> = {
  logprobs: { asks: (v) => v === true },
  top_logprobs: { asks: (v) => v !== 0 },
  logit_bias: { asks: (v) => !(isPlainObject(v) && Object.keys(v).length === 0) },
  prediction: { asks: () => true },
  audio: { asks: () => true },
  modalities: { asks: (v) => !(Array.isArray(v) && v.every((m) => m === "text")) },
  verbosity: { asks: () => true },
  web_search_options: { asks: () => true },
  functions: { asks: () => true, instead: "tools" },
  function_call: { asks: () => true, instead: "tool_choice" },
};

function refuseUnhonoured(b: Record<string, any>): void {
  for (const field in unhonoured) {
    const value = b[field];
    if (value === undefined || value === null) continue;
    const { asks, instead } = unhonoured[field]!;
    if (asks(value)) invalid(`${field} is not supported by this gateway${instead ? `: use ${instead}` : ""}; remove it to send the request`, field);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * An OpenAI chat-completions request body (already JSON-parsed) -> canonical request. Fields
 * that would change the answer and cannot be honoured are refused (`unhonoured` above); other
 * fields the gateway does not use (`store`, `service_tier`, `prompt_cache_key`, fields newer than
 * this decoder) are ignored. Fields with the wrong type are a 400 that names the field.
 * `metadata` (string map) becomes the request's tags.
 */
export function decodeChatCompletion(body: unknown): DecodedChatCompletion {
  const b = asObject(body, "");
  refuseUnhonoured(b);
  // With a stored prompt (README, "Prompt templates") the template gives the model and the first messages.
  const prompt = decodePromptRef(b.prompt);
  const model = prompt && b.model === undefined ? "" : b.model;
  if (typeof model !== "string" || (model === "" && !prompt)) invalid("model is required and must be a string", "model");
  const rawMessages = prompt && b.messages === undefined ? [] : b.messages;
  if (!Array.isArray(rawMessages)) invalid("messages must be an array", "messages");
  if (b.n !== undefined && b.n !== null && b.n !== 1) invalid("only n=1 is supported", "n");

  const params: GenerationParams = {
    $typeName: "sluice.v1.GenerationParams",
    temperature: optNumber(b.temperature, "temperature"),
    topP: optNumber(b.top_p, "top_p"),
    maxOutputTokens: optUint32(b.max_completion_tokens ?? b.max_tokens, b.max_completion_tokens != null ? "max_completion_tokens" : "max_tokens"),
    stop: decodeStop(b.stop),
    seed: b.seed === undefined || b.seed === null ? undefined : BigInt(optInteger(b.seed, "seed")!),
    responseFormat: decodeResponseFormat(b.response_format),
    presencePenalty: optNumber(b.presence_penalty, "presence_penalty"),
    frequencyPenalty: optNumber(b.frequency_penalty, "frequency_penalty"),
    parallelToolCalls: optBoolean(b.parallel_tool_calls, "parallel_tool_calls"),
    reasoningEffort: optString(b.reasoning_effort, "reasoning_effort") ?? "",
  };
  // No generation field set: no params message, the same canonical request a gRPC client sends.
  const hasParams = anyParamSet(params);
  const request: ChatRequest = {
    $typeName: "sluice.v1.ChatRequest",
    model,
    messages: rawMessages.map((m: unknown, i: number) => decodeMessage(m, `messages[${i}]`)),
    tools: decodeTools(b.tools),
    toolChoice: decodeToolChoice(b.tool_choice),
    params: hasParams ? params : undefined,
    tags: decodeTags(b.metadata),
    user: optString(b.user, "user") ?? "",
    cache: CacheMode.UNSPECIFIED,
    prompt,
  };
  const stream = optBoolean(b.stream, "stream") ?? false;
  const streamOptions = b.stream_options === undefined || b.stream_options === null ? {} : asObject(b.stream_options, "stream_options");
  return { request, stream, includeUsage: stream && optBoolean(streamOptions.include_usage, "stream_options.include_usage") === true };
}

/** Whether any generation field is set (a loop: `Object.entries` cost ~0.9 KB of arrays per request). */
function anyParamSet(params: GenerationParams): boolean {
  for (const k in params) {
    if (k === "$typeName") continue;
    const v = params[k as keyof GenerationParams];
    if (v !== undefined && v !== "" && !(Array.isArray(v) && v.length === 0)) return true;
  }
  return false;
}

/** `"prompt": {"id", "label" | "version", "variables": {name: text}}` -> PromptRef (absent: undefined). */
function decodePromptRef(value: unknown): PromptRef | undefined {
  if (value === undefined || value === null) return undefined;
  const p = asObject(value, "prompt");
  if (typeof p.id !== "string" || p.id === "") invalid("prompt.id is required and must be a string", "prompt.id");
  const version = optInteger(p.version, "prompt.version");
  if (version !== undefined && (version < 1 || version > 0xffffffff)) invalid("prompt.version must be a positive integer", "prompt.version");
  const variables: Record<string, string> = {};
  if (p.variables !== undefined && p.variables !== null) {
    for (const [name, v] of Object.entries(asObject(p.variables, "prompt.variables"))) {
      // Text only: numbers and booleans are written as text; anything else is refused.
      if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") invalid(`prompt.variables.${name} must be text`, `prompt.variables.${name}`);
      variables[name] = String(v);
    }
  }
  return { $typeName: "sluice.v1.PromptRef", id: p.id, label: optString(p.label, "prompt.label") ?? "", version: version ?? 0, variables };
}

const roles: Record<string, Role> = {
  system: Role.SYSTEM,
  user: Role.USER,
  assistant: Role.ASSISTANT,
  tool: Role.TOOL,
  developer: Role.DEVELOPER,
};

function decodeMessage(value: unknown, at: string): Message {
  const m = asObject(value, at);
  const role = typeof m.role === "string" ? roles[m.role] : undefined;
  if (role === undefined) invalid(`${at}.role must be one of system, developer, user, assistant, tool`, `${at}.role`);
  return {
    $typeName: "sluice.v1.Message",
    role,
    content: decodeContent(m.content, `${at}.content`),
    name: optString(m.name, `${at}.name`) ?? "",
    toolCalls: decodeToolCalls(m.tool_calls, `${at}.tool_calls`),
    toolCallId: optString(m.tool_call_id, `${at}.tool_call_id`) ?? "",
    refusal: optString(m.refusal, `${at}.refusal`) ?? "",
    reasoning: "",
    reasoningSignature: "",
    toolError: false,
  };
}

function decodeContent(value: unknown, at: string): ContentPart[] {
  if (value === undefined || value === null) return [];
  if (typeof value === "string") return [textPart(value)];
  if (!Array.isArray(value)) invalid(`${at} must be a string or an array of parts`, at);
  return value.map((p: unknown, i: number) => {
    const part = asObject(p, `${at}[${i}]`);
    // Anthropic's caching breakpoint, as OpenAI-format clients of Claude write it on a part.
    const cache = decodeCacheControl(part.cache_control, `${at}[${i}].cache_control`);
    if (part.type === "text") {
      if (typeof part.text !== "string") invalid(`${at}[${i}].text must be a string`, `${at}[${i}].text`);
      return withCache(textPart(part.text), cache);
    }
    if (part.type === "image_url") {
      const image = asObject(part.image_url, `${at}[${i}].image_url`);
      if (typeof image.url !== "string") invalid(`${at}[${i}].image_url.url must be a string`, `${at}[${i}].image_url.url`);
      const detail = image.detail === "low" ? ImageDetail.LOW : image.detail === "high" ? ImageDetail.HIGH : image.detail === "auto" ? ImageDetail.AUTO : ImageDetail.UNSPECIFIED;
      return withCache(
        {
          $typeName: "sluice.v1.ContentPart",
          part: { case: "image", value: { $typeName: "sluice.v1.ImagePart", source: { case: "url", value: image.url }, mediaType: "", detail } },
        },
        cache,
      );
    }
    return invalid(`${at}[${i}].type ${JSON.stringify(part.type)} is not supported (text, image_url)`, `${at}[${i}].type`);
  });
}

function textPart(text: string): ContentPart {
  return { $typeName: "sluice.v1.ContentPart", part: { case: "text", value: text } };
}

function decodeToolCalls(value: unknown, at: string): ToolCall[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) invalid(`${at} must be an array`, at);
  return value.map((c: unknown, i: number) => {
    const call = asObject(c, `${at}[${i}]`);
    const fn = asObject(call.function, `${at}[${i}].function`);
    return {
      $typeName: "sluice.v1.ToolCall",
      id: optString(call.id, `${at}[${i}].id`) ?? "",
      name: optString(fn.name, `${at}[${i}].function.name`) ?? "",
      argumentsJson: optString(fn.arguments, `${at}[${i}].function.arguments`) ?? "",
    };
  });
}

function decodeTools(value: unknown): Tool[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) invalid("tools must be an array", "tools");
  return value.map((t: unknown, i: number) => {
    const tool = asObject(t, `tools[${i}]`);
    if (tool.type !== "function") invalid(`tools[${i}].type must be "function"`, `tools[${i}].type`);
    const fn = asObject(tool.function, `tools[${i}].function`);
    if (typeof fn.name !== "string") invalid(`tools[${i}].function.name must be a string`, `tools[${i}].function.name`);
    return {
      $typeName: "sluice.v1.Tool",
      name: fn.name,
      description: optString(fn.description, `tools[${i}].function.description`) ?? "",
      parametersJson: fn.parameters === undefined || fn.parameters === null ? "" : boundedJson(fn.parameters, `tools[${i}].function.parameters`),
      strict: optBoolean(fn.strict, `tools[${i}].function.strict`) ?? false,
      cache: decodeCacheControl(tool.cache_control, `tools[${i}].cache_control`),
    };
  });
}

function decodeToolChoice(value: unknown): ToolChoice | undefined {
  if (value === undefined || value === null) return undefined;
  const modes: Record<string, ToolChoiceMode> = { auto: ToolChoiceMode.AUTO, none: ToolChoiceMode.NONE, required: ToolChoiceMode.REQUIRED };
  if (typeof value === "string") {
    const mode = modes[value];
    if (mode === undefined) invalid('tool_choice must be "auto", "none", "required" or a function', "tool_choice");
    return { $typeName: "sluice.v1.ToolChoice", choice: { case: "mode", value: mode } };
  }
  const fn = asObject(asObject(value, "tool_choice").function, "tool_choice.function");
  if (typeof fn.name !== "string") invalid("tool_choice.function.name must be a string", "tool_choice.function.name");
  return { $typeName: "sluice.v1.ToolChoice", choice: { case: "functionName", value: fn.name } };
}

function decodeResponseFormat(value: unknown): ResponseFormat | undefined {
  if (value === undefined || value === null) return undefined;
  const rf = asObject(value, "response_format");
  const base = { $typeName: "sluice.v1.ResponseFormat" as const, name: "", schemaJson: "", strict: false };
  if (rf.type === "text") return { ...base, type: ResponseFormatType.TEXT };
  if (rf.type === "json_object") return { ...base, type: ResponseFormatType.JSON_OBJECT };
  if (rf.type === "json_schema") {
    const js = asObject(rf.json_schema, "response_format.json_schema");
    return {
      ...base,
      type: ResponseFormatType.JSON_SCHEMA,
      name: optString(js.name, "response_format.json_schema.name") ?? "",
      schemaJson: js.schema === undefined || js.schema === null ? "" : boundedJson(js.schema, "response_format.json_schema.schema"),
      strict: optBoolean(js.strict, "response_format.json_schema.strict") ?? false,
    };
  }
  return invalid('response_format.type must be "text", "json_object" or "json_schema"', "response_format.type");
}

function decodeStop(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === "string") return [value];
  if (Array.isArray(value) && value.every((s) => typeof s === "string")) return value as string[];
  return invalid("stop must be a string or an array of strings", "stop");
}

function decodeTags(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  const tags = asObject(value, "metadata");
  for (const [k, v] of Object.entries(tags)) if (typeof v !== "string") invalid(`metadata.${k} must be a string`, "metadata");
  return tags as Record<string, string>;
}

function asObject(value: unknown, at: string): Record<string, any> {
  if (!isPlainObject(value)) {
    invalid(at === "" ? "the body must be a JSON object" : `${at} must be an object`, at || "body");
  }
  return value as Record<string, any>;
}

function optString(value: unknown, at: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") invalid(`${at} must be a string`, at);
  return value;
}

function optNumber(value: unknown, at: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value)) invalid(`${at} must be a number`, at);
  return value;
}

function optInteger(value: unknown, at: string): number | undefined {
  const n = optNumber(value, at);
  if (n !== undefined && (!Number.isSafeInteger(n) || n < 0)) invalid(`${at} must be a non-negative integer`, at);
  return n;
}

/** The canonical token limits are uint32: a larger number is refused, not wrapped. */
function optUint32(value: unknown, at: string): number | undefined {
  const n = optInteger(value, at);
  if (n !== undefined && n > 0xffff_ffff) invalid(`${at} must be at most ${0xffff_ffff}`, at);
  return n;
}

/** JSON a caller sends as data (a schema), as text: refused when nested too deep to serialise. */
function boundedJson(value: unknown, at: string): string {
  requireBoundedJsonValue(value, at);
  return JSON.stringify(value);
}

function optBoolean(value: unknown, at: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") invalid(`${at} must be true or false`, at);
  return value;
}

function invalid(message: string, param: string): never {
  throw new SluiceError("invalid_request", message, { param });
}
