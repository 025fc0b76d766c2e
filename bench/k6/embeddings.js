// k6 load test of the embeddings surface (issue 21), stock k6 v1 APIs only (k6/http).
//
//   k6 run bench/k6/embeddings.js \
//     -e SLUICE_URL=http://127.0.0.1:8080 -e SLUICE_KEY=sk-sluice-... -e MODEL=mock-embed \
//     -e RATE=50 -e DURATION=1m -e BATCH=8
//
// Two scenarios run side by side against one gateway:
//   rest_embeddings      POST /v1/embeddings (OpenAI's shape), BATCH inputs per request
//   connect_embed        POST /sluice.v1.GatewayService/Embed with `application/json` (Connect)
// Each answer must hold one vector per input, in order, all of the same length, and usage.
// Env: SLUICE_URL, SLUICE_KEY (empty: no key), MODEL (default mock-embed, the built-in lexical
// embedder), RATE (iterations per second per scenario, default 50), DURATION (default 1m),
// BATCH (inputs per request, default 8).
import http from "k6/http";
import { check } from "k6";
import { Rate, Trend } from "k6/metrics";

const BASE = __ENV.SLUICE_URL || "http://127.0.0.1:8080";
const KEY = __ENV.SLUICE_KEY || "";
const MODEL = __ENV.MODEL || "mock-embed";
const RATE = Number(__ENV.RATE || 50);
const DURATION = __ENV.DURATION || "1m";
const BATCH = Number(__ENV.BATCH || 8);

const embedOk = new Rate("sluice_embed_ok");
const dimensions = new Trend("sluice_embed_dimensions");

export const options = {
  scenarios: {
    rest_embeddings: { executor: "constant-arrival-rate", exec: "rest", rate: RATE, timeUnit: "1s", duration: DURATION, preAllocatedVUs: 20, maxVUs: 100 },
    connect_embed: { executor: "constant-arrival-rate", exec: "connect", rate: RATE, timeUnit: "1s", duration: DURATION, preAllocatedVUs: 20, maxVUs: 100 },
  },
  thresholds: {
    http_req_failed: ["rate<0.01"],
    "http_req_duration{scenario:rest_embeddings}": ["p(95)<250", "p(99)<1000"],
    "http_req_duration{scenario:connect_embed}": ["p(95)<250", "p(99)<1000"],
    sluice_embed_ok: ["rate>0.99"],
  },
};

const TOPICS = ["rivers of Europe", "sorting algorithms", "tide tables", "bread baking", "orbital mechanics", "jazz harmony"];

function inputs(id) {
  return Array.from({ length: BATCH }, (_, i) => `${id} #${i}: a short note about ${TOPICS[(i + __ITER) % TOPICS.length]}.`);
}

function headers(id, connect) {
  const h = { "Content-Type": "application/json", "X-Request-Id": id };
  if (connect) h["Connect-Protocol-Version"] = "1";
  if (KEY) h.Authorization = `Bearer ${KEY}`;
  return h;
}

/** A parsed JSON body, untyped (k6 types it as any JSON value). @returns {any} */
function json(r) {
  return r.json();
}

function sameLength(vectors) {
  return vectors.length === BATCH && vectors.every((v) => Array.isArray(v) && v.length > 0 && v.length === vectors[0].length);
}

export function rest() {
  const id = `k6-embed-rest-${__VU}-${__ITER}`;
  const res = http.post(`${BASE}/v1/embeddings`, JSON.stringify({ model: MODEL, input: inputs(id) }), { headers: headers(id, false), tags: { name: "embeddings" } });
  let vectors = [];
  const ok = check(res, {
    "status 200": (r) => r.status === 200,
    "one vector per input, in order": (r) => {
      const data = json(r).data || [];
      vectors = data.map((d) => d.embedding);
      return data.every((d, i) => d.index === i) && sameLength(vectors);
    },
    "has usage": (r) => json(r).usage !== undefined,
  });
  if (vectors.length > 0) dimensions.add(vectors[0].length);
  embedOk.add(ok);
}

export function connect() {
  const id = `k6-embed-connect-${__VU}-${__ITER}`;
  const res = http.post(`${BASE}/sluice.v1.GatewayService/Embed`, JSON.stringify({ model: MODEL, inputs: inputs(id) }), {
    headers: headers(id, true),
    tags: { name: "connect_embed" },
  });
  const ok = check(res, {
    "status 200": (r) => r.status === 200,
    "one vector per input": (r) => sameLength((json(r).embeddings || []).map((e) => e.values)),
  });
  embedOk.add(ok);
}
