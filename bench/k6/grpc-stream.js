// k6 load test of the gRPC surface (issue 21), stock k6 v1 APIs only (k6/net/grpc).
//
//   k6 run bench/k6/grpc-stream.js \
//     -e SLUICE_GRPC=127.0.0.1:8080 -e SLUICE_KEY=sk-sluice-... -e MODEL=mock-echo \
//     -e RATE=50 -e DURATION=1m
//
// Run from the repository root or from bench/k6: the proto is loaded from ../../proto
// (proto/sluice/v1/gateway.proto), relative to this script. Two scenarios:
//   grpc_stream   sluice.v1.GatewayService/ChatStream over h2c (plaintext): every chunk read, the
//                 last one checked for a finish reason, usage and GatewayMetadata
//   grpc_unary    sluice.v1.GatewayService/Chat
// Each VU keeps one connection (one h2 session) for its iterations. Prompts are unique, so the
// response cache never answers.
// Env: SLUICE_GRPC (host:port), SLUICE_KEY (empty: no key), MODEL, RATE (iterations per second
// per scenario, default 50), DURATION (default 1m), MAX_TOKENS (default 64).
import grpc from "k6/net/grpc";
import { check } from "k6";
import { Rate, Trend } from "k6/metrics";

const ADDR = __ENV.SLUICE_GRPC || "127.0.0.1:8080";
const KEY = __ENV.SLUICE_KEY || "";
const MODEL = __ENV.MODEL || "mock-echo";
const RATE = Number(__ENV.RATE || 50);
const DURATION = __ENV.DURATION || "1m";
const MAX_TOKENS = Number(__ENV.MAX_TOKENS || 64);

const streamOk = new Rate("sluice_stream_ok");
const unaryOk = new Rate("sluice_unary_ok");
const timeToFirstChunk = new Trend("sluice_time_to_first_chunk", true);
const streamDuration = new Trend("sluice_stream_duration", true);
const streamChunks = new Trend("sluice_stream_chunks");

export const options = {
  scenarios: {
    grpc_stream: { executor: "constant-arrival-rate", exec: "chatStream", rate: RATE, timeUnit: "1s", duration: DURATION, preAllocatedVUs: 20, maxVUs: 100 },
    grpc_unary: { executor: "constant-arrival-rate", exec: "chat", rate: RATE, timeUnit: "1s", duration: DURATION, preAllocatedVUs: 20, maxVUs: 100 },
  },
  thresholds: {
    sluice_stream_ok: ["rate>0.99"],
    sluice_unary_ok: ["rate>0.99"],
    sluice_time_to_first_chunk: ["p(95)<250", "p(99)<1000"],
    sluice_stream_duration: ["p(99)<5000"],
    "grpc_req_duration{scenario:grpc_unary}": ["p(95)<250", "p(99)<1000"],
  },
};

const client = new grpc.Client();
client.load(["../../proto"], "sluice/v1/gateway.proto");

let connected = false;

function connect() {
  if (!connected) {
    client.connect(ADDR, { plaintext: true, reflect: false });
    connected = true;
  }
}

function metadata(id) {
  const m = { "x-request-id": id };
  if (KEY) m.authorization = `Bearer ${KEY}`;
  return m;
}

function request(id) {
  return {
    model: MODEL,
    messages: [
      { role: "ROLE_SYSTEM", content: [{ text: "You are a load test. Answer briefly." }] },
      { role: "ROLE_USER", content: [{ text: `Question ${id}: name three rivers of Europe.` }] },
    ],
    params: { maxOutputTokens: MAX_TOKENS },
  };
}

export function chatStream() {
  connect();
  const id = `k6-grpc-stream-${__VU}-${__ITER}`;
  const started = Date.now();
  const stream = new grpc.Stream(client, "sluice.v1.GatewayService/ChatStream", { metadata: metadata(id) });
  let chunks = 0;
  let text = "";
  let last = null;
  let failed = false;
  stream.on("data", (/** @type {any} */ chunk) => {
    if (chunks === 0) timeToFirstChunk.add(Date.now() - started);
    chunks++;
    text += chunk.textDelta || "";
    last = chunk;
  });
  stream.on("error", () => {
    failed = true;
  });
  stream.on("end", () => {
    streamDuration.add(Date.now() - started);
    streamChunks.add(chunks);
    const ok = check(last, {
      "stream not failed": () => !failed,
      "text streamed": () => chunks > 1 && text.length > 0,
      "last chunk has usage": (c) => c !== null && c.usage !== undefined && c.usage !== null,
      "last chunk has the request id": (c) => c !== null && c.metadata !== undefined && c.metadata !== null && c.metadata.requestId === id,
    });
    streamOk.add(ok);
  });
  stream.write(request(id));
  stream.end();
}

export function chat() {
  connect();
  const id = `k6-grpc-unary-${__VU}-${__ITER}`;
  const res = client.invoke("sluice.v1.GatewayService/Chat", request(id), { metadata: metadata(id), timeout: "10s" });
  const ok = check(/** @type {any} */ (res), {
    "status OK": (r) => r && r.status === grpc.StatusOK,
    "has a message": (r) => r && r.message && r.message.message && Array.isArray(r.message.message.content),
    "has usage": (r) => r && r.message && r.message.usage !== undefined && r.message.usage !== null,
  });
  unaryOk.add(ok);
}
