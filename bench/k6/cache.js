// k6 load test of the response cache (issue 6), stock k6 v1 APIs only (k6/http, k6/net/grpc).
//
//   k6 run bench/k6/cache.js \
//     -e SLUICE_URL=http://127.0.0.1:8080 -e SLUICE_GRPC=127.0.0.1:8080 \
//     -e SLUICE_KEY=sk-sluice-... -e MODEL=mock-echo
//
// Four scenarios run side by side against one gateway:
//   rest_cached       POST /v1/chat/completions, a small set of prompts warmed in setup(): every
//                     request should be answered by the cache (exact), never upstream
//   rest_uncached     POST /v1/chat/completions with a unique prompt each time: always a miss
//   grpc_stream_cached    sluice.v1.GatewayService/ChatStream, warmed prompts: replayed stream
//   grpc_stream_uncached  ChatStream with unique prompts
// The cached scenarios also ask paraphrases of the warmed prompts (semantic hits).
// Cache status is read from the REST header `x-sluice-cache-status` (hit_exact | hit_semantic | miss |
// bypass) and from the last gRPC chunk's metadata.cacheStatus.
import http from "k6/http";
import grpc from "k6/net/grpc";
import { check } from "k6";
import { Counter, Rate, Trend } from "k6/metrics";

const BASE = __ENV.SLUICE_URL || "http://127.0.0.1:8080";
const GRPC_ADDR = __ENV.SLUICE_GRPC || "127.0.0.1:8080";
const KEY = __ENV.SLUICE_KEY || "";
const MODEL = __ENV.MODEL || "mock-echo";
const RATE = Number(__ENV.RATE || 50); // iterations per second per scenario

const WARM = [
  "What is the capital of France?",
  "How do I reverse a list in Python?",
  "Explain the difference between TCP and UDP.",
  "Give me three tips for better sleep.",
  "What causes the seasons on Earth?",
];
// Surface re-asks of WARM: semantic hits with the built-in embedder at the default threshold.
const PARAPHRASES = [
  "what is the capital of france",
  "How can I reverse a list in Python?",
  "Explain the difference between TCP and UDP",
  "Give me three tips for better sleep, please.",
  "What causes the seasons on the Earth?",
];

const cacheHit = new Rate("sluice_cache_hit");
const semanticHit = new Counter("sluice_cache_semantic_hits");
const streamDuration = new Trend("sluice_stream_duration", true);
const streamChunks = new Trend("sluice_stream_chunks");
const streamOk = new Rate("sluice_stream_ok");

export const options = {
  scenarios: {
    rest_cached: { executor: "constant-arrival-rate", exec: "restCached", rate: RATE, timeUnit: "1s", duration: "1m", preAllocatedVUs: 20 },
    rest_uncached: { executor: "constant-arrival-rate", exec: "restUncached", rate: RATE, timeUnit: "1s", duration: "1m", preAllocatedVUs: 20 },
    grpc_stream_cached: { executor: "constant-arrival-rate", exec: "grpcCached", rate: RATE, timeUnit: "1s", duration: "1m", preAllocatedVUs: 20 },
    grpc_stream_uncached: { executor: "constant-arrival-rate", exec: "grpcUncached", rate: RATE, timeUnit: "1s", duration: "1m", preAllocatedVUs: 20 },
  },
  thresholds: {
    http_req_failed: ["rate<0.01"],
    // A cache hit costs the gateway, not the provider.
    "http_req_duration{scenario:rest_cached}": ["p(95)<20", "p(99)<50"],
    "http_req_duration{scenario:rest_uncached}": ["p(99)<2000"],
    "sluice_cache_hit{scenario:rest_cached}": ["rate>0.99"],
    "sluice_cache_hit{scenario:rest_uncached}": ["rate<0.01"],
    "sluice_cache_hit{scenario:grpc_stream_cached}": ["rate>0.99"],
    "sluice_stream_duration{scenario:grpc_stream_cached}": ["p(95)<30", "p(99)<60"],
    "sluice_stream_duration{scenario:grpc_stream_uncached}": ["p(99)<2000"],
    sluice_stream_ok: ["rate>0.99"],
    sluice_cache_semantic_hits: ["count>0"],
  },
};

const client = new grpc.Client();
client.load(["../../proto"], "sluice/v1/gateway.proto");

function headers() {
  const h = { "Content-Type": "application/json" };
  if (KEY) h.Authorization = `Bearer ${KEY}`;
  return h;
}

function restChat(prompt) {
  const body = JSON.stringify({ model: MODEL, messages: [{ role: "user", content: prompt }], temperature: 0 });
  return http.post(`${BASE}/v1/chat/completions`, body, { headers: headers(), tags: { name: "chat_completions" } });
}

export function setup() {
  // Ask every warmed prompt once (a miss that stores the answer), so the cached scenarios hit.
  for (const p of WARM) {
    const res = restChat(p);
    check(res, { "warm-up answered": (r) => r.status === 200 });
  }
}

function pick(list) {
  return list[Math.floor(Math.random() * list.length)];
}

function unique() {
  return `Unique question ${__VU}-${__ITER}-${Date.now()}-${Math.random()}: how many legs has a spider?`;
}

function recordRest(res, expectHit) {
  const status = (res.headers["X-Sluice-Cache-Status"] || res.headers["x-sluice-cache-status"] || "").toLowerCase();
  const hit = status.startsWith("hit");
  cacheHit.add(hit);
  if (status === "hit_semantic") semanticHit.add(1);
  check(res, {
    "status 200": (r) => r.status === 200,
    "has an answer": (r) => {
      const j = r.json();
      return Array.isArray(j.choices) && j.choices.length > 0;
    },
    "cache status as expected": () => hit === expectHit,
  });
}

export function restCached() {
  recordRest(restChat(Math.random() < 0.8 ? pick(WARM) : pick(PARAPHRASES)), true);
}

export function restUncached() {
  recordRest(restChat(unique()), false);
}

function grpcStream(prompt, expectHit) {
  if (__ITER === 0) client.connect(GRPC_ADDR, { plaintext: true, reflect: false });
  const started = Date.now();
  const metadata = KEY ? { authorization: `Bearer ${KEY}` } : {};
  const stream = new grpc.Stream(client, "sluice.v1.GatewayService/ChatStream", { metadata });
  let chunks = 0;
  let text = "";
  let last = null;
  let failed = false;
  stream.on("data", (/** @type {any} */ chunk) => {
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
    const status = last && last.metadata ? last.metadata.cacheStatus : "";
    const hit = status === "CACHE_STATUS_HIT_EXACT" || status === "CACHE_STATUS_HIT_SEMANTIC";
    cacheHit.add(hit);
    if (status === "CACHE_STATUS_HIT_SEMANTIC") semanticHit.add(1);
    const ok = !failed && chunks > 1 && text.length > 0 && last !== null && last.finishReason !== undefined;
    streamOk.add(ok);
    check(null, {
      "stream completed": () => ok,
      "stream cache status as expected": () => hit === expectHit,
    });
  });
  stream.write({
    model: MODEL,
    messages: [{ role: "ROLE_USER", content: [{ text: prompt }] }],
    params: { temperature: 0 },
  });
  stream.end();
}

export function grpcCached() {
  grpcStream(Math.random() < 0.8 ? pick(WARM) : pick(PARAPHRASES), true);
}

export function grpcUncached() {
  grpcStream(unique(), false);
}
