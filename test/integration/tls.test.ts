import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import https from "node:https";
import http2 from "node:http2";
import { create } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ChatRequestSchema, GatewayService, Role } from "../../src/gen/sluice/v1/gateway_pb.js";
import type { RunningGateway } from "../../src/app/start-gateway.js";
import { startTestGateway } from "../support/gateway.js";

let gateway: RunningGateway;
let ca: Buffer;

beforeAll(async () => {
  // A throwaway self-signed certificate for 127.0.0.1, made with the system openssl.
  const dir = mkdtempSync(join(tmpdir(), "sluice-tls-"));
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
    "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"),
  ], { stdio: "ignore" });
  ca = readFileSync(join(dir, "cert.pem"));
  gateway = await startTestGateway(`server: { tls: { cert: "${join(dir, "cert.pem")}", key: "${join(dir, "key.pem")}" } }`);
});
afterAll(() => gateway.close());

describe("TLS with ALPN on the same port", () => {
  it("serves HTTP/1.1 (REST) to a client that offers only http/1.1", async () => {
    const { status, alpn, body } = await new Promise<{ status: number; alpn: string | false | null; body: string }>((resolve, reject) => {
      const req = https.request(`${gateway.url}/v1/models`, { ca, ALPNProtocols: ["http/1.1"], agent: false } as https.RequestOptions, (res) => {
        let body = "";
        const alpn = (res.socket as import("node:tls").TLSSocket).alpnProtocol;
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode!, alpn, body }));
      });
      req.on("error", reject);
      req.end();
    });
    expect(alpn).toBe("http/1.1");
    expect(status).toBe(200);
    expect(JSON.parse(body).object).toBe("list");
  });

  it("serves HTTP/2 (REST) when h2 is negotiated", async () => {
    const session = http2.connect(gateway.url, { ca });
    const alpn = await new Promise((r) => session.once("connect", () => r(session.alpnProtocol)));
    const body = await new Promise<string>((resolve, reject) => {
      const stream = session.request({ ":path": "/healthz" });
      let text = "";
      stream.on("data", (d) => (text += d));
      stream.on("end", () => resolve(text));
      stream.on("error", reject);
    });
    session.close();
    expect(alpn).toBe("h2");
    expect(JSON.parse(body).status).toBe("ok");
  });

  it("serves gRPC over TLS", async () => {
    const client = createClient(GatewayService, createGrpcTransport({ baseUrl: gateway.url, nodeOptions: { ca } }));
    const res = await client.chat(
      create(ChatRequestSchema, { model: "mock-echo", messages: [{ role: Role.USER, content: [{ part: { case: "text", value: "over tls" } }] }] }),
    );
    expect(res.message?.content[0]?.part.value).toBe("over tls");
  });
});
