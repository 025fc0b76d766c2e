import {
  FinishReason,
  Role,
  type ChatChunk,
  type ChatResponse,
  type GatewayMetadata,
  type Message,
  type ToolCall,
  type ToolCallDelta,
  type Usage,
} from "../gen/sluice/v1/gateway_pb.js";

/*
 * Fast constructors for the canonical messages on the hot path. protobuf-es messages are plain
 * objects; building the literal directly skips `create()`'s reflection, which showed up in
 * profiles of the proxy benchmark. Every field is listed so the result is a complete message,
 * each `init.field ?? default` rather than a spread of `init` over the defaults: V8 copies a spread
 * onto existing members through a slow path, per chunk on a stream. (An explicit `undefined` in
 * `init` gets the default, as a protobuf field cannot hold `undefined` unless it is a message.)
 */

export function newChunk(init: Partial<Omit<ChatChunk, "$typeName">>): ChatChunk {
  return {
    $typeName: "sluice.v1.ChatChunk",
    id: init.id ?? "",
    created: init.created ?? 0n,
    model: init.model ?? "",
    role: init.role ?? Role.UNSPECIFIED,
    textDelta: init.textDelta ?? "",
    toolCallDeltas: init.toolCallDeltas ?? [],
    refusalDelta: init.refusalDelta ?? "",
    finishReason: init.finishReason ?? FinishReason.UNSPECIFIED,
    usage: init.usage,
    metadata: init.metadata,
    reasoningDelta: init.reasoningDelta ?? "",
    reasoningSignature: init.reasoningSignature ?? "",
  };
}

export function newUsage(init: Partial<Omit<Usage, "$typeName">>): Usage {
  return {
    $typeName: "sluice.v1.Usage",
    inputTokens: init.inputTokens ?? 0,
    outputTokens: init.outputTokens ?? 0,
    cachedInputTokens: init.cachedInputTokens ?? 0,
    reasoningTokens: init.reasoningTokens ?? 0,
    cacheWriteTokens: init.cacheWriteTokens ?? 0,
  };
}

export function newToolCallDelta(init: Partial<Omit<ToolCallDelta, "$typeName">>): ToolCallDelta {
  return { $typeName: "sluice.v1.ToolCallDelta", index: init.index ?? 0, id: init.id ?? "", name: init.name ?? "", argumentsDelta: init.argumentsDelta ?? "" };
}

export function newMetadata(init: Partial<Omit<GatewayMetadata, "$typeName">>): GatewayMetadata {
  return {
    $typeName: "sluice.v1.GatewayMetadata",
    requestId: init.requestId ?? "",
    provider: init.provider ?? "",
    model: init.model ?? "",
    attempts: init.attempts ?? 0,
    cacheStatus: init.cacheStatus ?? 0,
    costUsd: init.costUsd ?? 0,
    upstreamMs: init.upstreamMs ?? 0,
    gatewayMs: init.gatewayMs ?? 0,
    prompt: init.prompt ?? "",
    context: init.context ?? "",
  };
}

/** Whether a chunk carries any part of the answer (as opposed to only usage or metadata). */
export function hasContent(chunk: ChatChunk): boolean {
  return (
    chunk.textDelta !== "" ||
    chunk.refusalDelta !== "" ||
    chunk.reasoningDelta !== "" ||
    chunk.reasoningSignature !== "" ||
    chunk.toolCallDeltas.length > 0 ||
    chunk.finishReason !== FinishReason.UNSPECIFIED ||
    chunk.role !== Role.UNSPECIFIED
  );
}

/**
 * Folds a chunk stream into one response: text and refusal deltas concatenate, tool-call
 * deltas merge by index, the last finish reason, reasoning signature, usage and metadata win.
 */
export class ResponseAssembler {
  private id = "";
  private created = 0n;
  private model = "";
  private text = "";
  private refusal = "";
  private reasoning = "";
  private reasoningSignature = "";
  private readonly calls: ToolCall[] = [];
  private finishReason = FinishReason.UNSPECIFIED;
  private usage: Usage | undefined;
  private metadata: GatewayMetadata | undefined;

  add(chunk: ChatChunk): void {
    if (chunk.id) this.id = chunk.id;
    if (chunk.created) this.created = chunk.created;
    if (chunk.model) this.model = chunk.model;
    this.text += chunk.textDelta;
    this.refusal += chunk.refusalDelta;
    this.reasoning += chunk.reasoningDelta;
    if (chunk.reasoningSignature) this.reasoningSignature = chunk.reasoningSignature;
    for (const d of chunk.toolCallDeltas) {
      const call = (this.calls[d.index] ??= { $typeName: "sluice.v1.ToolCall", id: "", name: "", argumentsJson: "" });
      if (d.id) call.id = d.id;
      if (d.name) call.name = d.name;
      call.argumentsJson += d.argumentsDelta;
    }
    if (chunk.finishReason) this.finishReason = chunk.finishReason;
    if (chunk.usage) this.usage = chunk.usage;
    if (chunk.metadata) this.metadata = chunk.metadata;
  }

  response(): ChatResponse {
    const message: Message = {
      $typeName: "sluice.v1.Message",
      role: Role.ASSISTANT,
      content: this.text === "" ? [] : [{ $typeName: "sluice.v1.ContentPart", part: { case: "text", value: this.text } }],
      name: "",
      toolCalls: this.calls.filter((c) => c !== undefined),
      toolCallId: "",
      refusal: this.refusal,
      reasoning: this.reasoning,
      reasoningSignature: this.reasoningSignature,
      toolError: false,
    };
    return {
      $typeName: "sluice.v1.ChatResponse",
      id: this.id,
      created: this.created,
      model: this.model,
      message,
      finishReason: this.finishReason,
      usage: this.usage,
      metadata: this.metadata,
    };
  }
}

/** The text of a message's text parts, joined. */
export function messageText(message: Message): string {
  let text = "";
  for (const part of message.content) if (part.part.case === "text") text += part.part.value;
  return text;
}
