// Built by Vite in test/browser/cross-origin.test.ts and served from a second loopback server:
// a web app on another origin calling the gateway with the real Connect-Web transports.
import { create } from "@bufbuild/protobuf";
import { ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { ChatRequestSchema, GatewayService, Role } from "../../../src/gen/sluice/v1/gateway_pb.js";

type Outcome = { ok: true; text: string; requestId: string } | { ok: false; code: string; message: string };

async function call(baseUrl: string, protocol: "connect" | "grpc-web", kind: "unary" | "stream", apiKey: string, prompt: string): Promise<Outcome> {
  const transport = protocol === "connect" ? createConnectTransport({ baseUrl }) : createGrpcWebTransport({ baseUrl });
  const client = createClient(GatewayService, transport);
  const request = create(ChatRequestSchema, { model: "mock-echo", messages: [{ role: Role.USER, content: [{ part: { case: "text", value: prompt } }] }] });
  const headers = { authorization: `Bearer ${apiKey}` };
  let requestId = "";
  try {
    if (kind === "unary") {
      const res = await client.chat(request, { headers, onHeader: (h) => (requestId = h.get("x-request-id") ?? "") });
      const text = res.message?.content.map((p) => (p.part.case === "text" ? p.part.value : "")).join("") ?? "";
      return { ok: true, text, requestId };
    }
    let text = "";
    for await (const chunk of client.chatStream(request, { headers, onHeader: (h) => (requestId = h.get("x-request-id") ?? "") })) text += chunk.textDelta;
    return { ok: true, text, requestId };
  } catch (err) {
    const e = ConnectError.from(err);
    return { ok: false, code: String(e.code), message: e.rawMessage };
  }
}

/** The OpenAI-compatible REST surface with plain fetch, as a browser app using it would. */
async function rest(baseUrl: string, apiKey: string, prompt: string): Promise<Outcome> {
  try {
    const res = await fetch(`${baseUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "mock-echo", messages: [{ role: "user", content: prompt }] }),
    });
    const body = (await res.json()) as { choices: Array<{ message: { content: string } }> };
    return { ok: true, text: body.choices[0]?.message.content ?? "", requestId: res.headers.get("x-request-id") ?? "" };
  } catch (err) {
    return { ok: false, code: "fetch", message: String(err) };
  }
}

(globalThis as Record<string, unknown>).sluiceCall = call;
(globalThis as Record<string, unknown>).sluiceRest = rest;
