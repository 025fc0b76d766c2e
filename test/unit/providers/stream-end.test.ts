import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { ProviderConfigSchema } from "../../../src/gen/sluice/v1/config_pb.js";
import { ChatRequestSchema, Role } from "../../../src/gen/sluice/v1/gateway_pb.js";
import { createOpenAIAdapter } from "../../../src/providers/openai/adapter.js";
import type { ProviderAdapter } from "../../../src/core/provider.js";

/**
 * How a streamed answer's upstream request ends (src/providers/http-exchange.ts), seen from a
 * real server: an answer read to its end marker leaves the connection to be reused, an
 * upstream that keeps sending after the marker is cut off, and a caller that stops reading
 * ends the upstream request.
 */
let server: http.Server;
let adapter: ProviderAdapter;
let connections = 0;
let closedEarly = 0;

const chunk = (text: string) => `data: ${JSON.stringify({ id: "c1", model: "m", choices: [{ index: 0, delta: { content: text } }] })}\n\n`;
const finish = `data: ${JSON.stringify({ id: "c1", model: "m", choices: [{ index: 0, delta: {}, finish_reason: "stop" }], usage: { prompt_tokens: 3, completion_tokens: 2 } })}\n\n`;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on("close", () => {
      if (!res.writableEnded) closedEarly++;
    });
    res.writeHead(200, { "content-type": "text/event-stream" });
    const model = req.headers["x-test-model"];
    if (model === "chatty") {
      // [DONE], then the server keeps talking (comments) and never ends the response.
      res.write(chunk("hello") + finish + "data: [DONE]\n\n");
      const pad = `: ${"x".repeat(1000)}\n`;
      const timer = setInterval(() => res.write(pad.repeat(16)), 1);
      res.on("close", () => clearInterval(timer));
    } else if (model === "slow") {
      res.write(chunk("one"));
      const timer = setInterval(() => res.write(chunk("more")), 5);
      res.on("close", () => clearInterval(timer));
    } else {
      res.end(chunk("hello") + chunk(" world") + finish + "data: [DONE]\n\n");
    }
  });
  server.on("connection", () => connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  adapter = createOpenAIAdapter(create(ProviderConfigSchema, { id: "up", kind: "openai", baseUrl: url, maxConnections: 1 } as never));
});

afterAll(async () => {
  await adapter.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const request = create(ChatRequestSchema, { messages: [{ role: Role.USER, content: [{ part: { case: "text", value: "hi" } }] }] });

/** Streams one answer; `model` picks the server's behaviour (sent as a header through the provider's extra headers). */
async function stream(model: string, stopAfter = Infinity): Promise<string> {
  let text = "";
  let n = 0;
  for await (const c of adapter.chat({ request, model, stream: true, signal: new AbortController().signal, traceHeaders: { "x-test-model": model } })) {
    text += c.textDelta;
    if (++n >= stopAfter) break;
  }
  return text;
}

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
}

describe("the end of a streamed answer", () => {
  it("read to [DONE], the upstream request ends normally and its connection serves the next one", async () => {
    const before = { connections, closedEarly };
    for (let i = 0; i < 5; i++) expect(await stream("plain")).toBe("hello world");
    await new Promise((r) => setTimeout(r, 50));
    expect(connections - before.connections).toBeLessThanOrEqual(1);
    expect(closedEarly).toBe(before.closedEarly);
  });

  it("an upstream that keeps sending after [DONE] is cut off, and the answer stands", async () => {
    const before = closedEarly;
    expect(await stream("chatty")).toBe("hello");
    await waitFor(() => closedEarly > before);
    expect(closedEarly).toBe(before + 1);
    // The pool still works (a new connection replaces the cut one).
    expect(await stream("plain")).toBe("hello world");
  });

  it("a caller that stops reading ends the upstream request", async () => {
    const before = closedEarly;
    expect(await stream("slow", 2)).toBe("onemore");
    await waitFor(() => closedEarly > before);
    expect(closedEarly).toBe(before + 1);
  });
});
