import { clone, create } from "@bufbuild/protobuf";
import {
  CacheStatus,
  ChatChunkSchema,
  ChatResponseSchema,
  GatewayMetadataSchema,
  Role,
  ToolCallDeltaSchema,
  UsageSchema,
  type ChatChunk,
  type ChatResponse,
} from "../gen/sluice/v1/gateway_pb.js";

/** Metadata the gateway adds to a replayed answer (request id of THIS request, timings). */
export interface ReplayMetadata {
  requestId?: string;
  gatewayMs?: number;
}

/**
 * A cached answer as a unary response: the stored answer, with usage showing zero upstream
 * tokens, no attempts, no cost, and the cache status.
 */
export function replayResponse(cached: ChatResponse, status: CacheStatus, meta: ReplayMetadata = {}): ChatResponse {
  const out = clone(ChatResponseSchema, cached);
  out.usage = create(UsageSchema);
  out.metadata = cacheMetadata(cached, status, meta);
  return out;
}

/**
 * A cached answer as the stream of chunks a provider would have sent: the role first, reasoning
 * (with its signature) and text in word-sized pieces, refusal, tool calls (id and name, then the
 * arguments in pieces), and a last chunk with the finish reason, zero usage and the gateway
 * metadata. Streamed or not, a hit answers the same.
 */
export function replayChunks(cached: ChatResponse, status: CacheStatus, meta: ReplayMetadata = {}, wordsPerChunk = 3): ChatChunk[] {
  const base = { id: cached.id, created: cached.created, model: cached.model };
  const chunks: ChatChunk[] = [create(ChatChunkSchema, { ...base, role: Role.ASSISTANT })];
  const message = cached.message;
  const text = message?.content.map((p) => (p.part.case === "text" ? p.part.value : "")).join("") ?? "";
  for (const piece of wordPieces(message?.reasoning ?? "", wordsPerChunk)) chunks.push(create(ChatChunkSchema, { ...base, reasoningDelta: piece }));
  if (message?.reasoningSignature) chunks.push(create(ChatChunkSchema, { ...base, reasoningSignature: message.reasoningSignature }));
  for (const piece of wordPieces(text, wordsPerChunk)) chunks.push(create(ChatChunkSchema, { ...base, textDelta: piece }));
  for (const piece of wordPieces(message?.refusal ?? "", wordsPerChunk)) chunks.push(create(ChatChunkSchema, { ...base, refusalDelta: piece }));
  message?.toolCalls.forEach((call, index) => {
    chunks.push(create(ChatChunkSchema, {
      ...base,
      toolCallDeltas: [create(ToolCallDeltaSchema, { index, id: call.id, name: call.name })],
    }));
    for (let i = 0; i < call.argumentsJson.length; i += 32) {
      chunks.push(create(ChatChunkSchema, {
        ...base,
        toolCallDeltas: [create(ToolCallDeltaSchema, { index, argumentsDelta: call.argumentsJson.slice(i, i + 32) })],
      }));
    }
  });
  chunks.push(create(ChatChunkSchema, {
    ...base,
    finishReason: cached.finishReason,
    usage: create(UsageSchema),
    metadata: cacheMetadata(cached, status, meta),
  }));
  return chunks;
}

/** The same chunks as an async stream, yielding to the event loop between chunks. */
export async function* replayStream(cached: ChatResponse, status: CacheStatus, meta: ReplayMetadata = {}): AsyncGenerator<ChatChunk> {
  for (const chunk of replayChunks(cached, status, meta)) {
    yield chunk;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** Splits text into pieces of a few words, each keeping its trailing whitespace; joined, they are the text. */
export function wordPieces(text: string, wordsPerPiece: number): string[] {
  if (text === "") return [];
  const words = text.match(/\s*\S+\s*/g) ?? [text];
  const pieces: string[] = [];
  for (let i = 0; i < words.length; i += wordsPerPiece) pieces.push(words.slice(i, i + wordsPerPiece).join(""));
  return pieces;
}

function cacheMetadata(cached: ChatResponse, status: CacheStatus, meta: ReplayMetadata) {
  return create(GatewayMetadataSchema, {
    requestId: meta.requestId ?? "",
    provider: cached.metadata?.provider ?? "",
    model: cached.metadata?.model ?? cached.model,
    attempts: 0,
    cacheStatus: status,
    costUsd: 0,
    upstreamMs: 0,
    gatewayMs: meta.gatewayMs ?? 0,
  });
}
