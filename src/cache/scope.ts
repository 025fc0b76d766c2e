import { createHash } from "node:crypto";
import { create, toBinary } from "@bufbuild/protobuf";
import {
  ChatRequestSchema,
  GenerationParamsSchema,
  ResponseFormatSchema,
  Role,
  type ChatRequest,
  type Message,
} from "../gen/sluice/v1/gateway_pb.js";
import type { CacheOptions } from "./config.js";

/**
 * Where a request's answer may be cached and found. Every identifier below mixes in the tenant,
 * so no key or namespace of one tenant can equal another tenant's, whatever the request.
 */
export interface CacheScope {
  tenant: string;
  /** Hash of everything in the request that changes the answer: the exact-cache key. */
  exactKey: string;
  /** Hash of tenant + model + system prompt + answer-changing params: the semantic index namespace. */
  namespace: string;
  /** The conversation without its system prompt (the namespace holds that): what gets embedded. */
  embedText: string;
  /** Why the semantic cache may not be used for this request; undefined when it may. */
  semanticIneligible?: SemanticIneligibility;
  /** Why no cache at all may be used; undefined when it may. */
  cacheIneligible?: "temperature";
}

type SemanticIneligibility = "tools" | "images" | "too_long" | "too_short" | "too_many_messages" | "empty";

/** Bumped when the canonical serialisation changes, so old entries stop matching instead of lying. */
const KEY_VERSION = "sluice-cache-v1";

const SYSTEM_ROLES = new Set([Role.SYSTEM, Role.DEVELOPER]);

export function scopeOf(request: ChatRequest, tenant: string, options: CacheOptions): CacheScope {
  const exactKey = hashParts("exact", tenant, toBinary(ChatRequestSchema, normalise(request)));
  const system = request.messages.filter((m) => SYSTEM_ROLES.has(m.role)).map(messageText).join("\n\n");
  const namespace = hashParts("ns", tenant, request.model, system, answerParams(request));
  const conversation = request.messages.filter((m) => !SYSTEM_ROLES.has(m.role));
  const embedText = conversation.map((m) => `${roleName(m.role)}: ${messageText(m)}`).join("\n");

  const scope: CacheScope = { tenant, exactKey, namespace, embedText };
  const temperature = request.params?.temperature;
  if (temperature !== undefined && temperature > options.maxTemperature) scope.cacheIneligible = "temperature";
  const ineligible = semanticIneligibility(request, conversation, embedText, options);
  if (ineligible) scope.semanticIneligible = ineligible;
  return scope;
}

/**
 * A copy without what does not change the answer: attribution tags, the end-user id and prompt
 * caching breakpoints (a hint to the provider about cost).
 * Protobuf binary of this copy is deterministic here: protobuf-es writes fields in field-number
 * order and the only map (tags) is cleared.
 *
 * Shallow copies, not protobuf-es `clone`: clone checks every string and throws on a lone
 * surrogate (a JSON body's `"\ud800"` is valid JavaScript, not UTF-8), which made every such
 * request a failed, logged lookup. `toBinary` writes it as U+FFFD, as a UTF-8 decoder would.
 */
function normalise(request: ChatRequest): ChatRequest {
  const copy = { ...request, tags: {}, user: "" };
  if (!hasBreakpoints(request)) return copy;
  copy.messages = request.messages.map((m) => (m.content.some((p) => p.cache) ? { ...m, content: m.content.map((p) => (p.cache ? { ...p, cache: undefined } : p)) } : m));
  copy.tools = request.tools.map((t) => (t.cache ? { ...t, cache: undefined } : t));
  return copy;
}

function hasBreakpoints(request: ChatRequest): boolean {
  for (const t of request.tools) if (t.cache) return true;
  for (const m of request.messages) for (const p of m.content) if (p.cache) return true;
  return false;
}

/** Params that change the answer, serialised; the response format is part of them. */
function answerParams(request: ChatRequest): Uint8Array {
  const params = request.params ? { ...request.params } : create(GenerationParamsSchema);
  if (!params.responseFormat) params.responseFormat = create(ResponseFormatSchema);
  return toBinary(GenerationParamsSchema, params);
}

function semanticIneligibility(
  request: ChatRequest,
  conversation: Message[],
  embedText: string,
  options: CacheOptions,
): SemanticIneligibility | undefined {
  // Tool answers depend on tool results and schemas that paraphrase matching cannot judge.
  if (request.tools.length > 0 || request.toolChoice?.choice.case) return "tools";
  for (const m of request.messages) {
    if (m.role === Role.TOOL || m.toolCalls.length > 0) return "tools";
    if (m.content.some((p) => p.part.case === "image")) return "images";
  }
  if (conversation.length === 0 || embedText.trim() === "") return "empty";
  if (conversation.length > options.semantic.maxMessages) return "too_many_messages";
  if (embedText.length > options.semantic.maxChars) return "too_long";
  if (!hasWords(conversation, options.semantic.minWords)) return "too_short";
  return undefined;
}

/** A word: a run of letters and digits, or one CJK character (those scripts write no spaces). */
const WORD = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]|[\p{L}\p{N}]+/gu;

/** Whether the messages hold at least `min` words (counting stops there). */
function hasWords(messages: Message[], min: number): boolean {
  if (min <= 0) return true;
  let n = 0;
  for (const m of messages) {
    for (const _ of messageText(m).matchAll(WORD)) if (++n >= min) return true;
  }
  return false;
}

function messageText(m: Message): string {
  const parts: string[] = [];
  for (const p of m.content) if (p.part.case === "text") parts.push(p.part.value);
  if (m.refusal) parts.push(m.refusal);
  return parts.join("\n");
}

function roleName(role: Role): string {
  switch (role) {
    case Role.USER:
      return "user";
    case Role.ASSISTANT:
      return "assistant";
    case Role.TOOL:
      return "tool";
    default:
      return "other";
  }
}

/** SHA-256 over length-prefixed parts, so ("ab","c") and ("a","bc") never hash alike. */
function hashParts(kind: string, ...parts: (string | Uint8Array)[]): string {
  const h = createHash("sha256");
  for (const part of [KEY_VERSION, kind, ...parts]) {
    const bytes = typeof part === "string" ? Buffer.from(part, "utf8") : part;
    const len = Buffer.alloc(4);
    len.writeUInt32BE(bytes.length);
    h.update(len).update(bytes);
  }
  return h.digest("hex");
}
