import { createHash, createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import { listenLoopback } from "./fake-upstream.js";
import { fileURLToPath } from "node:url";
import { EventStreamCodec } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";

const fixtures = fileURLToPath(new URL("../fixtures/bedrock/", import.meta.url));
const codec = new EventStreamCodec(toUtf8, fromUtf8);

function bedrockFixture(name: string): Buffer {
  return readFileSync(fixtures + name);
}

/** The recorded events of `converse_stream/<name>.events.jsonl` as `{ type, payload }`. */
export function recordedEvents(name: string): Array<{ type: string; payload: any }> {
  return bedrockFixture(`converse_stream/${name}.events.jsonl`)
    .toString("utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => {
      const [type, payload] = Object.entries(JSON.parse(l))[0]!;
      return { type, payload };
    });
}

/**
 * A fake Bedrock runtime endpoint speaking the real wire format: Converse JSON and
 * ConverseStream binary event streams (recorded fixtures served byte for byte). Like AWS, it
 * checks every request's SigV4 signature (an implementation independent of the gateway's
 * signer, below) for the configured credentials, region and the `bedrock` service, and answers
 * 403 InvalidSignatureException when it does not match.
 * The model id in the URL picks the behaviour:
 * - `fixture:<name>`        stream: converse_stream/<name>.eventstream, written in small pieces
 *                           that split frames; unary: a Converse answer built from <name>.events.jsonl
 * - `echo`                  answers the last user text (stream or whole)
 * - `tool:<name>`           calls tool <name> with {"city":"Paris"}, arguments split over deltas
 * - `status:<code>`         that HTTP status, with `x-amzn-errortype` and a `{ message }` body
 * - `exception:<type>`      a stream whose first frame is an exception frame of that type
 * - `stream-error`          text, then the recorded modelStreamErrorException frame
 * - `cut:<name>:<bytes>`    the first <bytes> bytes of a fixture stream, then a reset connection
 * - `badcrc:<name>`         a fixture stream with one payload bit flipped
 * - `html`                  200 with an HTML body
 * - `hang`                  never answers
 */
export interface FakeBedrock {
  url: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  requests: Array<{ modelId: string; action: string; body: any; headers: http.IncomingHttpHeaders; signature: SignatureCheck }>;
  close(): Promise<void>;
}

export async function startFakeBedrock(options: { region?: string; accessKeyId?: string; secretAccessKey?: string } = {}): Promise<FakeBedrock> {
  const state: FakeBedrock = {
    url: "",
    region: options.region ?? "eu-west-3",
    credentials: { accessKeyId: options.accessKeyId ?? "AKIDFAKEBEDROCK", secretAccessKey: options.secretAccessKey ?? "fake/secret/key" },
    requests: [],
    close: async () => {},
  };
  const server = http.createServer(async (req, res) => {
    const parts: Buffer[] = [];
    for await (const chunk of req) parts.push(chunk as Buffer);
    const raw = Buffer.concat(parts).toString("utf8");
    const match = /^\/model\/([^/]+)\/(converse|converse-stream)$/.exec(req.url ?? "");
    if (!match || req.method !== "POST") return awsError(res, 404, "UnknownOperationException", `no route for ${req.method} ${req.url}`);
    const modelId = decodeURIComponent(match[1]!);
    const action = match[2]!;
    const signature = verifySigV4({ method: req.method, rawPath: req.url!, headers: req.headers, body: raw }, { ...state.credentials, region: state.region, service: "bedrock" });
    let body: any;
    try {
      body = JSON.parse(raw);
    } catch {
      return awsError(res, 400, "SerializationException", "body is not JSON");
    }
    state.requests.push({ modelId, action, body, headers: req.headers, signature });
    if (!signature.valid) return awsError(res, 403, "InvalidSignatureException", `The request signature we calculated does not match the signature you provided (${signature.problem})`);
    respond(res, modelId, action === "converse-stream", body);
  });
  const listening = await listenLoopback(server);
  state.url = `${listening.origin}`;
  state.close = listening.close;
  return state;
}

function respond(res: http.ServerResponse, modelId: string, stream: boolean, body: any): void {
  const [kind, arg, arg2] = modelId.split(":");
  switch (kind) {
    case "fixture":
      if (stream) return void writeStream(res, bedrockFixture(`converse_stream/${arg}.eventstream`));
      return json(res, 200, aggregate(recordedEvents(arg!)));
    case "echo": {
      const text = lastUserText(body);
      const events = [
        { type: "messageStart", payload: { role: "assistant" } },
        { type: "contentBlockDelta", payload: { contentBlockIndex: 0, delta: { text } } },
        { type: "contentBlockStop", payload: { contentBlockIndex: 0 } },
        { type: "messageStop", payload: { stopReason: "end_turn" } },
        { type: "metadata", payload: { usage: { inputTokens: 5, outputTokens: 3, totalTokens: 8 }, metrics: { latencyMs: 1 } } },
      ];
      if (stream) return void writeStream(res, encodeEvents(events));
      return json(res, 200, aggregate(events));
    }
    case "tool": {
      const events = [
        { type: "messageStart", payload: { role: "assistant" } },
        { type: "contentBlockStart", payload: { contentBlockIndex: 0, start: { toolUse: { toolUseId: "tooluse_fake_1", name: arg } } } },
        { type: "contentBlockDelta", payload: { contentBlockIndex: 0, delta: { toolUse: { input: '{"city":' } } } },
        { type: "contentBlockDelta", payload: { contentBlockIndex: 0, delta: { toolUse: { input: '"Paris"}' } } } },
        { type: "contentBlockStop", payload: { contentBlockIndex: 0 } },
        { type: "messageStop", payload: { stopReason: "tool_use" } },
        { type: "metadata", payload: { usage: { inputTokens: 40, outputTokens: 12, cacheReadInputTokens: 30, cacheWriteInputTokens: 2, totalTokens: 84 } } },
      ];
      if (stream) return void writeStream(res, encodeEvents(events));
      return json(res, 200, aggregate(events));
    }
    case "status": {
      const code = Number(arg);
      const type = { 400: "ValidationException", 403: "AccessDeniedException", 429: "ThrottlingException", 500: "InternalServerException", 503: "ServiceUnavailableException" }[code] ?? "UnknownException";
      return awsError(res, code, type, `fake bedrock says ${code}`);
    }
    case "exception":
      return void writeStream(res, encodeFrame({ ":message-type": "exception", ":exception-type": arg!, ":content-type": "application/json" }, { message: `fake ${arg}` }));
    case "stream-error": {
      const text = encodeEvents([
        { type: "messageStart", payload: { role: "assistant" } },
        { type: "contentBlockDelta", payload: { contentBlockIndex: 0, delta: { text: "partial answer" } } },
      ]);
      return void writeStream(res, Buffer.concat([text, bedrockFixture("model-stream-error-exception.eventstream")]));
    }
    case "cut": {
      res.writeHead(200, { "content-type": "application/vnd.amazon.eventstream" });
      res.write(bedrockFixture(`converse_stream/${arg}.eventstream`).subarray(0, Number(arg2)));
      setTimeout(() => res.destroy(), 10);
      return;
    }
    case "badcrc": {
      const bytes = Buffer.from(bedrockFixture(`converse_stream/${arg}.eventstream`));
      bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0x01; // inside the last frame's payload
      return void writeStream(res, bytes);
    }
    case "html":
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<html>gateway error</html>");
      return;
    case "hang":
      return;
    default:
      return awsError(res, 400, "ValidationException", `The provided model identifier is invalid: ${modelId}`);
  }
}

/** Writes event-stream bytes in 37-byte pieces, so frames arrive split across reads. */
async function writeStream(res: http.ServerResponse, bytes: Uint8Array): Promise<void> {
  res.writeHead(200, { "content-type": "application/vnd.amazon.eventstream", "x-amzn-requestid": "fake-request-id" });
  for (let at = 0; at < bytes.length; at += 37) {
    if (res.destroyed) return;
    res.write(bytes.subarray(at, at + 37));
    await new Promise((r) => setImmediate(r));
  }
  res.end();
}

export function encodeFrame(headers: Record<string, string>, payload: unknown): Buffer {
  const typed = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, { type: "string" as const, value: v }]));
  return Buffer.from(codec.encode({ headers: typed, body: fromUtf8(JSON.stringify(payload)) }));
}

/** Event frames with the header order and compact JSON of AWS (and of the recorded fixtures). */
export function encodeEvents(events: Array<{ type: string; payload: unknown }>): Buffer {
  return Buffer.concat(events.map((e) => encodeFrame({ ":event-type": e.type, ":message-type": "event", ":content-type": "application/json" }, e.payload)));
}

/** What a unary Converse call answers for the same events (the way Bedrock's own SDK folds them). */
function aggregate(events: Array<{ type: string; payload: any }>): unknown {
  const blocks = new Map<number, any>();
  let stopReason = "end_turn";
  let usage: unknown;
  for (const { type, payload: p } of events) {
    if (type === "contentBlockStart" && p.start?.toolUse) blocks.set(p.contentBlockIndex, { toolUse: { ...p.start.toolUse, input: "" } });
    if (type === "contentBlockDelta") {
      const block = blocks.get(p.contentBlockIndex) ?? {};
      if (p.delta.text !== undefined) block.text = (block.text ?? "") + p.delta.text;
      if (p.delta.toolUse) block.toolUse.input += p.delta.toolUse.input;
      if (p.delta.reasoningContent?.text) block.reasoningContent = { reasoningText: { text: (block.reasoningContent?.reasoningText.text ?? "") + p.delta.reasoningContent.text } };
      blocks.set(p.contentBlockIndex, block);
    }
    if (type === "messageStop") stopReason = p.stopReason;
    if (type === "metadata") usage = p.usage;
  }
  const content = [...blocks.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, b]) => (b.toolUse ? { toolUse: { ...b.toolUse, input: b.toolUse.input === "" ? {} : JSON.parse(b.toolUse.input) } } : b));
  return { output: { message: { role: "assistant", content } }, stopReason, usage, metrics: { latencyMs: 1 } };
}

function lastUserText(body: any): string {
  const user = [...(body.messages ?? [])].reverse().find((m: any) => m.role === "user");
  return (user?.content ?? []).map((b: any) => b.text ?? "").join("");
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "x-amzn-requestid": "fake-request-id" });
  res.end(JSON.stringify(body));
}

function awsError(res: http.ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { "content-type": "application/json", "x-amzn-errortype": `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/` });
  res.end(JSON.stringify({ message }));
}

export interface SignatureCheck {
  valid: boolean;
  problem?: string;
  service?: string;
  region?: string;
}

/**
 * Verifies an `Authorization: AWS4-HMAC-SHA256 ...` header the way AWS does, written from the
 * SigV4 specification with node:crypto only (no code shared with the signer under test):
 * canonical request (path segments URI-encoded once more, sorted query, the signed headers,
 * the body's SHA-256), string to sign, HMAC key chain "AWS4"+secret -> date -> region ->
 * service -> "aws4_request".
 */
export function verifySigV4(
  req: { method: string; rawPath: string; headers: http.IncomingHttpHeaders; body: string },
  expect: { accessKeyId: string; secretAccessKey: string; region: string; service: string },
): SignatureCheck {
  const auth = String(req.headers.authorization ?? "");
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return { valid: false, problem: "no SigV4 authorization header" };
  const [, keyId, date, region, service, signedHeaders, signature] = m as unknown as string[];
  const check = { service: service!, region: region! };
  if (keyId !== expect.accessKeyId) return { valid: false, problem: `unknown access key ${keyId}`, ...check };
  if (region !== expect.region) return { valid: false, problem: `signed for region ${region}, not ${expect.region}`, ...check };
  if (service !== expect.service) return { valid: false, problem: `signed for service ${service}, not ${expect.service}`, ...check };
  const amzDate = String(req.headers["x-amz-date"] ?? "");
  if (!amzDate.startsWith(date!)) return { valid: false, problem: "x-amz-date does not match the credential scope", ...check };
  const names = signedHeaders!.split(";");
  if (!names.includes("host") || !names.includes("x-amz-date")) return { valid: false, problem: "host and x-amz-date must be signed", ...check };
  const [path, query = ""] = req.rawPath.split("?");
  const canonicalPath = path!.split("/").map(strictEncode).join("/");
  const canonicalQuery = query
    .split("&")
    .filter((p) => p !== "")
    .map((p) => p.split("=").map((x) => strictEncode(decodeURIComponent(x ?? ""))).join("="))
    .sort()
    .join("&");
  const canonicalHeaders = names.map((n) => `${n}:${String(req.headers[n] ?? "").trim().replace(/\s+/g, " ")}\n`).join("");
  const canonicalRequest = [req.method, canonicalPath, canonicalQuery, canonicalHeaders, signedHeaders, sha256Hex(req.body)].join("\n");
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256Hex(canonicalRequest)].join("\n");
  let key: Buffer = hmac(`AWS4${expect.secretAccessKey}`, date!);
  for (const part of [region!, service!, "aws4_request"]) key = hmac(key, part);
  const expected = createHmac("sha256", key).update(stringToSign).digest("hex");
  return expected === signature ? { valid: true, ...check } : { valid: false, problem: "signature mismatch", ...check };
}

function strictEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function sha256Hex(s: string): string {
  return createHash("sha256").update(s, "utf8").digest("hex");
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac("sha256", key).update(data, "utf8").digest();
}
