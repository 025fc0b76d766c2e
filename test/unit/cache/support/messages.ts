import { create, type MessageInitShape } from "@bufbuild/protobuf";
import {
  ChatRequestSchema,
  ChatResponseSchema,
  ContentPartSchema,
  FinishReason,
  GatewayMetadataSchema,
  MessageSchema,
  Role,
  UsageSchema,
  type ChatRequest,
  type ChatResponse,
  GenerationParamsSchema,
} from "../../../../src/gen/sluice/v1/gateway_pb.js";
import type { Logger } from "../../../../src/core/logger.js";

export function text(role: Role, value: string) {
  return create(MessageSchema, { role, content: [create(ContentPartSchema, { part: { case: "text", value } })] });
}

export function chat(opts: {
  user: string | string[];
  system?: string;
  model?: string;
  params?: MessageInitShape<typeof GenerationParamsSchema>;
  tags?: Record<string, string>;
  endUser?: string;
}): ChatRequest {
  const turns = Array.isArray(opts.user) ? opts.user : [opts.user];
  const messages = [];
  if (opts.system) messages.push(text(Role.SYSTEM, opts.system));
  turns.forEach((t, i) => messages.push(text(i % 2 === 0 ? Role.USER : Role.ASSISTANT, t)));
  return create(ChatRequestSchema, {
    model: opts.model ?? "fast",
    messages,
    ...(opts.params ? { params: create(GenerationParamsSchema, opts.params) } : {}),
    tags: opts.tags ?? {},
    user: opts.endUser ?? "",
  });
}

export function answer(value: string, finishReason = FinishReason.STOP): ChatResponse {
  return create(ChatResponseSchema, {
    id: "chatcmpl-1",
    created: 1_700_000_000n,
    model: "gpt-4o-mini",
    message: text(Role.ASSISTANT, value),
    finishReason,
    usage: create(UsageSchema, { inputTokens: 12, outputTokens: 34 }),
    metadata: create(GatewayMetadataSchema, { provider: "openai-main", model: "gpt-4o-mini", attempts: 1, requestId: "req-1" }),
  });
}

export function answerText(r: ChatResponse | undefined): string | undefined {
  const p = r?.message?.content[0]?.part;
  return p?.case === "text" ? p.value : undefined;
}

/** A logger that keeps what it is told, for asserting on warnings. */
export function recordingLogger(): Logger & { warnings: string[]; infos: string[] } {
  const warnings: string[] = [];
  const infos: string[] = [];
  return {
    warnings,
    infos,
    debug: () => {},
    warn: (_fields, msg) => void warnings.push(msg),
    info: (_fields, msg) => void infos.push(msg),
    error: (_fields, msg) => void warnings.push(msg),
  };
}
