import {
  ResponseFormatType,
  Role,
  ToolChoiceMode,
  type ChatRequest,
  type ContentPart,
  type ImagePart,
  type Message,
} from "../../gen/sluice/v1/gateway_pb.js";
import { SluiceError } from "../../errors/sluice-error.js";

type Part = Record<string, unknown>;
interface Content {
  role: "user" | "model";
  parts: Part[];
}

/**
 * Canonical request -> Gemini `generateContent` body.
 * - System and developer messages become `systemInstruction`; assistant turns are role
 *   `model`; tool results are `functionResponse` parts in a user turn, and consecutive turns
 *   of one role merge (Gemini wants all responses to one turn's calls together).
 * - `functionResponse` needs the function's NAME, which a canonical tool message does not
 *   carry: it is found from the earlier assistant tool call with the same id.
 * - Tool schemas go verbatim as `parametersJsonSchema` (full JSON Schema), not `parameters`
 *   (Gemini's OpenAPI subset, which rejects common JSON-Schema keywords).
 * - Call ids are not sent back: they were made up by the gateway when Gemini sent none.
 * - Gemini 3 rejects a replayed model turn whose function call lacks the `thoughtSignature` it
 *   was issued with (HTTP 400), and the canonical model cannot carry signatures through an
 *   OpenAI client. For those models the first call of each model turn gets Google's
 *   documented sentinel `skip_thought_signature_validator` (ai.google.dev "Thought
 *   signatures"): the request validates, at the cost of the model's earlier reasoning context.
 */
export function toGeminiBody(request: ChatRequest, model: string, passReasoning: boolean): Record<string, unknown> {
  const system: Part[] = [];
  const contents: Content[] = [];
  const callNames = new Map<string, string>();
  for (const m of request.messages) {
    if (m.role === Role.SYSTEM || m.role === Role.DEVELOPER) {
      for (const p of m.content) if (p.part.case === "text" && p.part.value !== "") system.push({ text: p.part.value });
      continue;
    }
    for (const call of m.toolCalls) callNames.set(call.id, call.name);
    const content = toContent(m, callNames, needsThoughtSignature(model));
    const last = contents.at(-1);
    if (last && last.role === content.role) last.parts.push(...content.parts);
    else contents.push(content);
  }
  const body: Record<string, unknown> = { contents };
  if (system.length > 0) body.systemInstruction = { parts: system };
  if (request.tools.length > 0) {
    body.tools = [
      {
        functionDeclarations: request.tools.map((t) => ({
          name: t.name,
          ...(t.description ? { description: t.description } : {}),
          ...(t.parametersJson ? { parametersJsonSchema: parseJson(t.parametersJson, "tools.parameters") } : {}),
        })),
      },
    ];
    const config = toFunctionCallingConfig(request);
    if (config) body.toolConfig = { functionCallingConfig: config };
  }
  const generationConfig = toGenerationConfig(request, passReasoning);
  if (Object.keys(generationConfig).length > 0) body.generationConfig = generationConfig;
  return body;
}

function toFunctionCallingConfig(request: ChatRequest): Record<string, unknown> | undefined {
  const choice = request.toolChoice?.choice;
  if (choice?.case === "functionName") return { mode: "ANY", allowedFunctionNames: [choice.value] };
  if (choice?.case !== "mode") return undefined;
  if (choice.value === ToolChoiceMode.AUTO) return { mode: "AUTO" };
  if (choice.value === ToolChoiceMode.REQUIRED) return { mode: "ANY" };
  if (choice.value === ToolChoiceMode.NONE) return { mode: "NONE" };
  return undefined;
}

function toGenerationConfig(request: ChatRequest, passReasoning: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const p = request.params;
  if (p) {
    if (p.temperature !== undefined) out.temperature = p.temperature;
    if (p.topP !== undefined) out.topP = p.topP;
    if (p.topK !== undefined) out.topK = p.topK;
    if (p.maxOutputTokens !== undefined) out.maxOutputTokens = p.maxOutputTokens;
    if (p.stop.length > 0) out.stopSequences = p.stop;
    if (p.seed !== undefined) out.seed = Number(p.seed);
    if (p.presencePenalty !== undefined) out.presencePenalty = p.presencePenalty;
    if (p.frequencyPenalty !== undefined) out.frequencyPenalty = p.frequencyPenalty;
    const rf = p.responseFormat;
    if (rf?.type === ResponseFormatType.JSON_OBJECT) out.responseMimeType = "application/json";
    else if (rf?.type === ResponseFormatType.JSON_SCHEMA) {
      out.responseMimeType = "application/json";
      if (rf.schemaJson) out.responseJsonSchema = parseJson(rf.schemaJson, "response_format.json_schema");
    }
  }
  // Thought summaries are only sent when asked for; ask only when they will be passed on.
  if (passReasoning) out.thinkingConfig = { includeThoughts: true };
  return out;
}

/** Gemini 3 and later generations enforce thought signatures on replayed function calls. */
function needsThoughtSignature(model: string): boolean {
  return /gemini-([3-9]|[1-9]\d)/.test(model);
}

const THOUGHT_SIGNATURE_SENTINEL = "skip_thought_signature_validator";

function toContent(m: Message, callNames: Map<string, string>, signCalls: boolean): Content {
  if (m.role === Role.TOOL) {
    const name = callNames.get(m.toolCallId) ?? m.name;
    if (!name) {
      throw new SluiceError("invalid_request", `tool message answers call "${m.toolCallId}", which no earlier assistant message made`, { param: "messages" });
    }
    const text = m.content.map((p) => (p.part.case === "text" ? p.part.value : "")).join("");
    // Gemini reads a failure from the `error` key of the response: the tool's own words go there.
    const response = m.toolError ? { error: text } : toFunctionResponse(text);
    return { role: "user", parts: [{ functionResponse: { name, response } }] };
  }
  if (m.role === Role.ASSISTANT) {
    const parts = m.content.flatMap(toPart);
    if (m.refusal) parts.push({ text: m.refusal });
    for (const [i, call] of m.toolCalls.entries()) {
      const part: Part = { functionCall: { name: call.name, args: call.argumentsJson ? parseJson(call.argumentsJson, "tool_calls.arguments") : {} } };
      // Parallel calls: only the first part of a turn carries a signature.
      if (signCalls && i === 0) part.thoughtSignature = THOUGHT_SIGNATURE_SENTINEL;
      parts.push(part);
    }
    return { role: "model", parts };
  }
  return { role: "user", parts: m.content.flatMap(toPart) };
}

/** `response` must be a JSON object: an object result goes as is, anything else is wrapped. */
function toFunctionResponse(text: string): unknown {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return parsed;
    return { result: parsed };
  } catch {
    return { result: text };
  }
}

function toPart(part: ContentPart): Part[] {
  if (part.part.case === "text") return part.part.value === "" ? [] : [{ text: part.part.value }];
  if (part.part.case === "image") return [toImagePart(part.part.value)];
  return [];
}

const mimeOfExtension: Record<string, string> = { png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg", webp: "image/webp", gif: "image/gif", heic: "image/heic" };

function toImagePart(image: ImagePart): Part {
  if (image.source.case === "data") {
    return { inlineData: { mimeType: image.mediaType || "image/png", data: Buffer.from(image.source.value).toString("base64") } };
  }
  const url = image.source.case === "url" ? image.source.value : "";
  const dataUrl = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (dataUrl) return { inlineData: { mimeType: dataUrl[1], data: dataUrl[2] } };
  const ext = /\.([a-z0-9]+)(?:[?#]|$)/i.exec(url)?.[1]?.toLowerCase();
  const mimeType = image.mediaType || (ext ? mimeOfExtension[ext] : undefined);
  return { fileData: { ...(mimeType ? { mimeType } : {}), fileUri: url } };
}

function parseJson(text: string, param: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new SluiceError("invalid_request", `${param} is not valid JSON`, { param });
  }
}
