import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as grpc from "@grpc/grpc-js";
import { create } from "@bufbuild/protobuf";
import {
  CacheMode,
  ChatRequestSchema,
  FinishReason,
  ImageDetail,
  ResponseFormatType,
  Role,
  ToolChoiceMode,
  type ChatRequest,
  type ChatResponse,
} from "../../src/gen/sluice/v1/gateway_pb.js";
import type { RunningGateway } from "../../src/app/start-gateway.js";
import { startTestGateway } from "../support/gateway.js";
import { startFakeOpenAI, type FakeOpenAI } from "../support/fake-openai.js";
import { grpcClient } from "../support/grpc-client.js";

/**
 * Issue 21, items 11 and 12: inputs that gave a 500 (a malformed percent-encoding in a path,
 * JSON nested 10,000 deep in a tool schema or a response schema) or were silently accepted
 * (`max_tokens` over uint32, unknown enum numbers over gRPC) get a 4xx that names the field, on
 * REST and on gRPC. The model is an OpenAI-compatible upstream, whose adapter re-serialises the
 * schemas.
 */
let upstream: FakeOpenAI;
let gateway: RunningGateway;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  gateway = await startTestGateway(`
providers:
  - { id: fake, kind: openai, base_url: "${upstream.url}" }
models:
  - { alias: echo, targets: [ { provider: fake, model: echo } ] }
`);
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

/** `{"type":"object","properties":{"a":{...}}}`-style nesting, `depth` objects deep, as a value and as text. */
function nested(depth: number): { value: unknown; text: string } {
  const text = '{"a":'.repeat(depth - 1) + "{}" + "}".repeat(depth - 1);
  return { value: JSON.parse(text), text };
}

/** Posts a body; `deep` text, when given, replaces the string "DEEP" in it (too deep for JSON.stringify here). */
async function rest(body: unknown, deep?: string): Promise<{ status: number; error: { code?: string; param?: string } | undefined }> {
  const text = deep === undefined ? JSON.stringify(body) : JSON.stringify(body).replace('"DEEP"', deep);
  const res = await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: text });
  const json = (await res.json()) as { error?: { code?: string; param?: string } };
  return { status: res.status, error: json.error };
}

const messages = [{ role: "user", content: "hello" }];
const tool = (parameters: unknown) => ({ type: "function", function: { name: "f", parameters } });
const schema = (s: unknown) => ({ type: "json_schema", json_schema: { name: "s", schema: s } });

describe("REST", () => {
  it("GET /v1/models/%E0%A4%A (malformed percent-encoding) is a 400, not a 500", async () => {
    const res = await fetch(`${gateway.url}/v1/models/%E0%A4%A`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("invalid_request");
  });

  it("tool parameters or a response schema nested 10,000 deep: 400 naming the field; 64 deep still works", async () => {
    const deep = nested(10_000).text;
    expect(await rest({ model: "echo", messages, tools: [tool("DEEP")] }, deep)).toEqual({
      status: 400,
      error: expect.objectContaining({ code: "invalid_request", param: "tools[0].function.parameters" }),
    });
    expect(await rest({ model: "echo", messages, response_format: schema("DEEP") }, deep)).toEqual({
      status: 400,
      error: expect.objectContaining({ code: "invalid_request", param: "response_format.json_schema.schema" }),
    });
    expect(await rest({ model: "echo", messages, tools: [tool(nested(65).value)] })).toMatchObject({ status: 400 });
    expect(await rest({ model: "echo", messages, tools: [tool(nested(64).value)], response_format: schema(nested(64).value) })).toMatchObject({ status: 200 });
  });

  it("max_tokens above 2^32-1 (the canonical field is uint32) is refused; 2^32-1 is accepted", async () => {
    expect(await rest({ model: "echo", messages, max_tokens: 2 ** 32 })).toEqual({
      status: 400,
      error: expect.objectContaining({ code: "invalid_request", param: "max_tokens" }),
    });
    expect(await rest({ model: "echo", messages, max_completion_tokens: Number.MAX_SAFE_INTEGER })).toEqual({
      status: 400,
      error: expect.objectContaining({ code: "invalid_request", param: "max_completion_tokens" }),
    });
    expect((await rest({ model: "echo", messages, max_tokens: 2 ** 32 - 1 })).status).toBe(200);
  });
});

describe("gRPC (@grpc/grpc-js)", () => {
  const base = { model: "echo", messages: [{ role: Role.USER, content: [{ part: { case: "text" as const, value: "hello" } }] }] };

  async function call(request: ChatRequest): Promise<grpc.ServiceError | ChatResponse> {
    const client = grpcClient(`127.0.0.1:${gateway.port}`);
    try {
      return await new Promise((resolve) => client.chat(request, new grpc.Metadata(), (e: grpc.ServiceError | null, r: ChatResponse) => resolve(e ?? r)));
    } finally {
      client.close();
    }
  }

  async function refused(request: ChatRequest, param: string): Promise<void> {
    const err = (await call(request)) as grpc.ServiceError;
    expect(err.code, param).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.metadata.get("sluice-error-code"), param).toEqual(["invalid_request"]);
    expect(err.details, param).toContain(param);
  }

  it("parametersJson, schemaJson or tool call arguments nested 10,000 deep: INVALID_ARGUMENT, not INTERNAL", async () => {
    const deep = nested(10_000).text;
    await refused(create(ChatRequestSchema, { ...base, tools: [{ name: "f", parametersJson: deep }] }), "tools[0].function.parameters");
    await refused(
      create(ChatRequestSchema, { ...base, params: { responseFormat: { type: ResponseFormatType.JSON_SCHEMA, name: "s", schemaJson: deep } } }),
      "response_format.json_schema.schema",
    );
    const history = [
      { role: Role.USER, content: [{ part: { case: "text" as const, value: "call f" } }] },
      { role: Role.ASSISTANT, toolCalls: [{ id: "c1", name: "f", argumentsJson: deep }] },
      { role: Role.TOOL, toolCallId: "c1", content: [{ part: { case: "text" as const, value: "done" } }] },
    ];
    await refused(create(ChatRequestSchema, { ...base, messages: history, tools: [{ name: "f" }] }), "messages[1].tool_calls[0].function.arguments");
    const ok = (await call(create(ChatRequestSchema, { ...base, tools: [{ name: "f", parametersJson: nested(64).text }] }))) as ChatResponse;
    expect(ok.finishReason).toBe(FinishReason.STOP);
  });

  it("unknown enum numbers (role = 99 and the others) are refused, not read as a default", async () => {
    await refused(create(ChatRequestSchema, { ...base, messages: [{ role: 99 as Role, content: base.messages[0]!.content }] }), "messages[0].role");
    await refused(create(ChatRequestSchema, { ...base, toolChoice: { choice: { case: "mode", value: 99 as ToolChoiceMode } } }), "tool_choice");
    await refused(create(ChatRequestSchema, { ...base, params: { responseFormat: { type: 99 as ResponseFormatType } } }), "response_format.type");
    await refused(create(ChatRequestSchema, { ...base, cache: 99 as CacheMode }), "cache");
    const image = { part: { case: "image" as const, value: { source: { case: "url" as const, value: "https://example.com/a.png" }, detail: 99 as ImageDetail } } };
    await refused(create(ChatRequestSchema, { ...base, messages: [{ role: Role.USER, content: [image] }] }), "messages[0].content[0].image_url.detail");
  });
});
