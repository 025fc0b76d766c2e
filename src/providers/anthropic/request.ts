import { Role, ToolChoiceMode, type CacheBreakpoint, type ChatRequest, type ContentPart, type ImagePart, type Message } from "../../gen/sluice/v1/gateway_pb.js";
import { SluiceError } from "../../errors/sluice-error.js";

/**
 * `max_tokens` is required by the Messages API; when the caller sets no limit the gateway asks
 * for this many. 4096 is accepted by every current Claude model (older ones cap output there).
 */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

type Block = Record<string, unknown>;
interface Turn {
  role: "user" | "assistant";
  content: Block[];
}

/**
 * Canonical request -> Anthropic Messages body.
 * - System and developer messages (wherever they stand) become the top-level `system`: the
 *   Messages API has no system role inside `messages`.
 * - Tool results are `tool_result` blocks in a user turn; consecutive turns of the same role
 *   merge into one, so parallel tool results land in the single user turn Anthropic requires.
 * - Assistant reasoning in the history is sent back as a thinking block only with the
 *   signature Anthropic issued for it (`reasoning_signature`): unsigned thinking is refused.
 * - `reasoning_budget_tokens` turns extended thinking on (`thinking.budget_tokens`).
 * - Caching breakpoints (on parts and tools) are `cache_control` on the block they follow; a
 *   tool result's is on its `tool_result` block.
 * - Parameters Anthropic lacks (seed, penalties, response_format) are not sent.
 */
export function toAnthropicBody(request: ChatRequest, model: string, stream: boolean): Record<string, unknown> {
  const system: Block[] = [];
  const turns: Turn[] = [];
  for (const m of request.messages) {
    if (m.role === Role.SYSTEM || m.role === Role.DEVELOPER) {
      for (const p of m.content) if (p.part.case === "text" && p.part.value !== "") system.push({ type: "text", text: p.part.value, ...cacheControl(p.cache) });
      continue;
    }
    const turn = toTurn(m);
    const last = turns.at(-1);
    if (last && last.role === turn.role) last.content.push(...turn.content);
    else turns.push(turn);
  }
  const p = request.params;
  const body: Record<string, unknown> = {
    model,
    max_tokens: p?.maxOutputTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
    messages: turns,
  };
  if (system.length > 0) body.system = system;
  if (stream) body.stream = true;
  if (request.tools.length > 0) {
    body.tools = request.tools.map((t) => ({
      name: t.name,
      ...(t.description ? { description: t.description } : {}),
      // input_schema is required; a tool without parameters takes an empty object.
      input_schema: t.parametersJson ? parseJson(t.parametersJson, "tools.parameters") : { type: "object", properties: {} },
      ...cacheControl(t.cache),
    }));
    const choice = toToolChoice(request);
    if (choice) body.tool_choice = choice;
  }
  if (p) {
    if (p.temperature !== undefined) body.temperature = p.temperature;
    if (p.topP !== undefined) body.top_p = p.topP;
    if (p.topK !== undefined) body.top_k = p.topK;
    if (p.stop.length > 0) body.stop_sequences = p.stop;
    if (p.reasoningBudgetTokens !== undefined) body.thinking = { type: "enabled", budget_tokens: p.reasoningBudgetTokens };
  }
  if (request.user) body.metadata = { user_id: request.user };
  return body;
}

function toToolChoice(request: ChatRequest): Block | undefined {
  const choice = request.toolChoice?.choice;
  let out: Block | undefined;
  if (choice?.case === "functionName") out = { type: "tool", name: choice.value };
  else if (choice?.case === "mode") {
    if (choice.value === ToolChoiceMode.AUTO) out = { type: "auto" };
    else if (choice.value === ToolChoiceMode.REQUIRED) out = { type: "any" };
    else if (choice.value === ToolChoiceMode.NONE) out = { type: "none" };
  }
  // OpenAI's parallel_tool_calls=false is Anthropic's disable_parallel_tool_use (not valid with "none").
  if (request.params?.parallelToolCalls === false && out?.type !== "none") out = { ...(out ?? { type: "auto" }), disable_parallel_tool_use: true };
  return out;
}

function toTurn(m: Message): Turn {
  if (m.role === Role.TOOL) {
    // Text only: a string, as before; with images, the blocks a tool_result may hold (their own
    // breakpoints left to the tool_result block's).
    const content = m.content.some((p) => p.part.case === "image")
      ? m.content.flatMap((p) => toBlock({ ...p, cache: undefined }))
      : m.content.map((p) => (p.part.case === "text" ? p.part.value : "")).join("");
    const cache = m.content.findLast((p) => p.cache)?.cache;
    return { role: "user", content: [{ type: "tool_result", tool_use_id: m.toolCallId, content, ...(m.toolError ? { is_error: true } : {}), ...cacheControl(cache) }] };
  }
  if (m.role === Role.ASSISTANT) {
    const content: Block[] = m.reasoning && m.reasoningSignature ? [{ type: "thinking", thinking: m.reasoning, signature: m.reasoningSignature }] : [];
    content.push(...m.content.flatMap(toBlock));
    if (m.refusal) content.push({ type: "text", text: m.refusal });
    for (const call of m.toolCalls) {
      content.push({ type: "tool_use", id: call.id, name: call.name, input: call.argumentsJson ? parseJson(call.argumentsJson, "tool_calls.arguments") : {} });
    }
    return { role: "assistant", content };
  }
  return { role: "user", content: m.content.flatMap(toBlock) };
}

/** Empty text blocks are rejected by Anthropic ("text content blocks must be non-empty"). */
function toBlock(part: ContentPart): Block[] {
  if (part.part.case === "text") return part.part.value === "" ? [] : [{ type: "text", text: part.part.value, ...cacheControl(part.cache) }];
  if (part.part.case === "image") return [{ type: "image", source: toImageSource(part.part.value), ...cacheControl(part.cache) }];
  return [];
}

function cacheControl(cache: CacheBreakpoint | undefined): Block {
  return cache ? { cache_control: { type: "ephemeral", ...(cache.ttl ? { ttl: cache.ttl } : {}) } } : {};
}

function toImageSource(image: ImagePart): Block {
  if (image.source.case === "data") {
    return { type: "base64", media_type: image.mediaType || "image/png", data: Buffer.from(image.source.value).toString("base64") };
  }
  const url = image.source.case === "url" ? image.source.value : "";
  const dataUrl = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (dataUrl) return { type: "base64", media_type: dataUrl[1], data: dataUrl[2] };
  return { type: "url", url };
}

function parseJson(text: string, param: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new SluiceError("invalid_request", `${param} is not valid JSON`, { param });
  }
}
