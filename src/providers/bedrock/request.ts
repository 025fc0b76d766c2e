import { Role, ToolChoiceMode, type ChatRequest, type ContentPart, type Message } from "../../gen/sluice/v1/gateway_pb.js";
import { SluiceError } from "../../errors/sluice-error.js";

/**
 * Canonical request -> Bedrock Converse body (the same body for `/converse` and
 * `/converse-stream`; the model is in the URL).
 * - system and developer messages -> `system: [{ text }]`
 * - user text and images (bytes, base64 in JSON; png/jpeg/gif/webp) -> `{ text }`, `{ image }`
 * - assistant tool calls -> `{ toolUse: { toolUseId, name, input } }`
 * - tool results -> `{ toolResult: { toolUseId, content: [{ text }] } }` in a user message
 * - adjacent messages of the same role are merged: Converse wants user and assistant to alternate
 * - tools -> `toolConfig.tools[].toolSpec` (`inputSchema.json`); tool choice auto -> `auto`,
 *   required -> `any`, a named function -> `tool`. Converse has no "none": with NONE the tools
 *   are left out, unless the history holds tool blocks (Converse then requires `toolConfig`).
 * - caching breakpoints (on parts and tools) -> a `cachePoint` block after the block they
 *   follow (after the system text, the message's blocks, the tool result, the tool's spec).
 * - max tokens, temperature, top_p, stop -> `inferenceConfig`. Seed, penalties, response
 *   format and reasoning effort have no Converse field and are not sent.
 */
export function toConverseBody(request: ChatRequest): Record<string, unknown> {
  const system: unknown[] = [];
  const messages: Array<{ role: "user" | "assistant"; content: unknown[] }> = [];
  let hasToolBlocks = false;
  for (const m of request.messages) {
    if (m.role === Role.SYSTEM || m.role === Role.DEVELOPER) {
      const text = textOf(m.content);
      if (text !== "") system.push({ text });
      if (text !== "" && hasBreakpoint(m.content)) system.push(CACHE_POINT);
      continue;
    }
    const role = m.role === Role.ASSISTANT ? "assistant" : "user";
    const content = role === "assistant" ? assistantBlocks(m) : m.role === Role.TOOL ? [toolResultBlock(m)] : userBlocks(m.content);
    if (m.role !== Role.USER && content.length > 0 && hasBreakpoint(m.content)) content.push(CACHE_POINT);
    if (m.toolCalls.length > 0 || m.role === Role.TOOL) hasToolBlocks = true;
    if (content.length === 0) continue;
    const last = messages.at(-1);
    if (last?.role === role) last.content.push(...content);
    else messages.push({ role, content });
  }

  const body: Record<string, unknown> = { messages };
  if (system.length > 0) body.system = system;
  const toolConfig = toToolConfig(request, hasToolBlocks);
  if (toolConfig) body.toolConfig = toolConfig;
  const p = request.params;
  if (p) {
    const inference: Record<string, unknown> = {};
    if (p.maxOutputTokens !== undefined) inference.maxTokens = p.maxOutputTokens;
    if (p.temperature !== undefined) inference.temperature = p.temperature;
    if (p.topP !== undefined) inference.topP = p.topP;
    if (p.stop.length > 0) inference.stopSequences = p.stop;
    if (Object.keys(inference).length > 0) body.inferenceConfig = inference;
  }
  return body;
}

function toToolConfig(request: ChatRequest, hasToolBlocks: boolean): Record<string, unknown> | undefined {
  if (request.tools.length === 0) return undefined;
  const choice = request.toolChoice?.choice;
  const none = choice?.case === "mode" && choice.value === ToolChoiceMode.NONE;
  if (none && !hasToolBlocks) return undefined;
  const config: Record<string, unknown> = {
    tools: request.tools.flatMap((t) => {
      const spec = {
        toolSpec: {
          name: t.name,
          ...(t.description ? { description: t.description } : {}),
          inputSchema: { json: t.parametersJson ? parseJson(t.parametersJson, `tool ${t.name} parameters`) : { type: "object", properties: {} } },
        },
      };
      return t.cache ? [spec, CACHE_POINT] : [spec];
    }),
  };
  if (choice?.case === "functionName") config.toolChoice = { tool: { name: choice.value } };
  else if (choice?.case === "mode" && choice.value === ToolChoiceMode.REQUIRED) config.toolChoice = { any: {} };
  else if (choice?.case === "mode" && choice.value === ToolChoiceMode.AUTO) config.toolChoice = { auto: {} };
  return config;
}

function assistantBlocks(m: Message): unknown[] {
  const blocks: unknown[] = [];
  const text = textOf(m.content);
  if (text.trim() !== "") blocks.push({ text });
  for (const call of m.toolCalls) {
    const input = call.argumentsJson.trim() === "" ? {} : parseJson(call.argumentsJson, `tool call ${call.id} arguments`);
    blocks.push({ toolUse: { toolUseId: call.id, name: call.name, input } });
  }
  return blocks;
}

function toolResultBlock(m: Message): unknown {
  const text = textOf(m.content);
  return { toolResult: { toolUseId: m.toolCallId, content: [{ text: text === "" ? " " : text }], ...(m.toolError ? { status: "error" } : {}) } };
}

function userBlocks(parts: ContentPart[]): unknown[] {
  const blocks: unknown[] = [];
  for (const part of parts) {
    // Converse rejects blank text blocks.
    if (part.part.case === "text" && part.part.value.trim() !== "") blocks.push({ text: part.part.value });
    else if (part.part.case === "image") blocks.push({ image: toImageBlock(part.part.value) });
    else continue;
    if (part.cache) blocks.push(CACHE_POINT);
  }
  return blocks;
}

/** Converse's prompt-caching breakpoint: the prompt up to it may be cached (its TTL is Bedrock's own). */
const CACHE_POINT = { cachePoint: { type: "default" } };

function hasBreakpoint(parts: ContentPart[]): boolean {
  return parts.some((p) => p.cache !== undefined);
}

const imageFormats: Record<string, string> = {
  "image/png": "png",
  "image/jpeg": "jpeg",
  "image/jpg": "jpeg",
  "image/gif": "gif",
  "image/webp": "webp",
};

type ImagePart = Extract<ContentPart["part"], { case: "image" }>["value"];

function toImageBlock(image: ImagePart): unknown {
  let mediaType = image.mediaType;
  let base64: string;
  if (image.source.case === "data") {
    base64 = Buffer.from(image.source.value).toString("base64");
  } else if (image.source.case === "url" && image.source.value.startsWith("data:")) {
    const match = /^data:([^;,]+)(;base64)?,(.*)$/s.exec(image.source.value);
    if (!match || !match[2]) throw new SluiceError("invalid_request", "an image data: URL must be base64", { param: "messages" });
    mediaType = match[1]!;
    base64 = match[3]!;
  } else {
    // Converse takes image bytes (or S3 locations), never web URLs; fetching them is not the gateway's job.
    throw new SluiceError("invalid_request", "bedrock accepts images as data (bytes or a data: URL), not as web URLs", { param: "messages" });
  }
  const format = imageFormats[mediaType.toLowerCase()];
  if (!format) throw new SluiceError("invalid_request", `bedrock accepts png, jpeg, gif and webp images, not ${mediaType || "an untyped image"}`, { param: "messages" });
  return { format, source: { bytes: base64 } };
}

function textOf(parts: ContentPart[]): string {
  let text = "";
  for (const p of parts) if (p.part.case === "text") text += p.part.value;
  return text;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new SluiceError("invalid_request", `${what} are not valid JSON`, { param: "messages" });
  }
}
