import { describe, expect, it } from "vitest";
import { FinishReason, Role, type ChatChunk } from "../../../../src/gen/sluice/v1/gateway_pb.js";
import { ResponseAssembler } from "../../../../src/core/canonical.js";
import { fromAzureError } from "../../../../src/providers/azure-openai/errors.js";
import { fromAzureStream } from "../../../../src/providers/azure-openai/stream.js";
import { azureFixture } from "../../../support/fake-azure.js";

async function* bytes(text: string, size: number): AsyncGenerator<Uint8Array> {
  const all = new TextEncoder().encode(text);
  for (let at = 0; at < all.length; at += size) yield all.subarray(at, at + size);
}

async function collect(it: AsyncIterable<ChatChunk>): Promise<ChatChunk[]> {
  const out: ChatChunk[] = [];
  for await (const c of it) out.push(c);
  return out;
}

describe("azure stream: content-filter annotations", () => {
  it("drops the prompt_filter_results chunk and delta-less filter chunks, keeps the answer", async () => {
    const expected = JSON.parse(azureFixture("filtered_stream.expected.json"));
    const chunks = await collect(fromAzureStream("az", bytes(azureFixture("filtered_stream.sse"), 50), false));
    expect(chunks.length).toBe(expected.canonical_chunks);
    expect(chunks[0]!.role).toBe(Role.ASSISTANT);
    expect(chunks[0]!.id).toBe("chatcmpl-AzFake0001"); // not the annotation chunk's empty id
    expect(chunks.every((c) => c.id !== "")).toBe(true);
    const asm = new ResponseAssembler();
    chunks.forEach((c) => asm.add(c));
    const res = asm.response();
    expect(res.message!.content[0]!.part.value).toBe(expected.text);
    expect(res.finishReason).toBe(FinishReason.STOP);
    expect(res.usage).toMatchObject({ inputTokens: 19, outputTokens: 4 });
  });

  it("ends a filtered answer with CONTENT_FILTER", async () => {
    const chunks = await collect(fromAzureStream("az", bytes(azureFixture("content_filter_finish.sse"), 1000), false));
    expect(chunks.filter((c) => c.finishReason !== FinishReason.UNSPECIFIED).map((c) => c.finishReason)).toEqual([FinishReason.CONTENT_FILTER]);
    expect(chunks.map((c) => c.textDelta).join("")).toBe("Here is how to");
  });
});

describe("azure errors", () => {
  it("names the content-filter categories that refused the prompt", () => {
    const err = fromAzureError("az", 400, azureFixture("prompt_filtered.error.json"), {});
    expect(err.code).toBe("upstream_rejected");
    expect(err.message).toMatch(/content management policy/);
    expect(err.message).toMatch(/\(content filter: jailbreak, violence\)$/);
  });

  it("prefers retry-after-ms over retry-after on 429", () => {
    const body = azureFixture("throttled.error.json");
    expect(fromAzureError("az", 429, body, { retryAfter: "7", retryAfterMs: "6500" })).toMatchObject({ code: "rate_limited", retryAfterS: 6.5 });
    expect(fromAzureError("az", 429, body, { retryAfter: "7" })).toMatchObject({ code: "rate_limited", retryAfterS: 7 });
    expect(fromAzureError("az", 429, body, {}).message).toMatch(/exceeded token rate limit/);
  });

  it("maps other errors like OpenAI's (credentials are not the client's business)", () => {
    const e = fromAzureError("az", 401, JSON.stringify({ error: { code: "401", message: "Access denied due to invalid subscription key" } }), {});
    expect(e.code).toBe("upstream_unavailable");
    expect(e.message).not.toMatch(/subscription key/);
    expect(fromAzureError("az", 404, JSON.stringify({ error: { code: "DeploymentNotFound", message: "The API deployment for this resource does not exist." } }), {}).code).toBe("upstream_rejected");
  });
});
