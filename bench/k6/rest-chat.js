// k6 load test of the OpenAI-compatible REST chat surface (issue 21), stock k6 v1 APIs only (k6/http).
//
//   k6 run bench/k6/rest-chat.js \
//     -e SLUICE_URL=http://127.0.0.1:8080 -e SLUICE_KEY=sk-sluice-... -e MODEL=mock-echo \
//     -e RATE=50 -e DURATION=1m
//
// Two scenarios run side by side against one gateway:
//   rest_unary    POST /v1/chat/completions, a whole JSON answer
//   rest_stream   the same with "stream": true: an SSE answer, read whole by k6 (k6/http has no
//                 incremental reader), checked for content chunks, a usage chunk and `data: [DONE]`
// Each prompt is unique (the response cache never answers) and sends `x-request-id`, which the
// gateway must echo. For a stream, http_req_waiting is the time to the first byte: the gateway
// sends the stream's headers with its first chunk.
// Env: SLUICE_URL, SLUICE_KEY (empty: no key, for a gateway without tenants), MODEL, RATE
// (iterations per second per scenario, default 50), DURATION (default 1m), MAX_TOKENS (default 64).
import http from "k6/http";
import { check } from "k6";
import { Rate, Trend } from "k6/metrics";

const BASE = __ENV.SLUICE_URL || "http://127.0.0.1:8080";
const KEY = __ENV.SLUICE_KEY || "";
const MODEL = __ENV.MODEL || "mock-echo";
const RATE = Number(__ENV.RATE || 50);
const DURATION = __ENV.DURATION || "1m";
const MAX_TOKENS = Number(__ENV.MAX_TOKENS || 64);

const answered = new Rate("sluice_answered");
const streamComplete = new Rate("sluice_stream_complete");
const streamChunks = new Trend("sluice_stream_chunks");
const idEchoed = new Rate("sluice_request_id_echoed");

export const options = {
  scenarios: {
    rest_unary: { executor: "constant-arrival-rate", exec: "unary", rate: RATE, timeUnit: "1s", duration: DURATION, preAllocatedVUs: 20, maxVUs: 100 },
    rest_stream: { executor: "constant-arrival-rate", exec: "stream", rate: RATE, timeUnit: "1s", duration: DURATION, preAllocatedVUs: 20, maxVUs: 100 },
  },
  thresholds: {
    http_req_failed: ["rate<0.01"],
    "http_req_duration{scenario:rest_unary}": ["p(95)<250", "p(99)<1000"],
    // Time to first byte of a stream.
    "http_req_waiting{scenario:rest_stream}": ["p(95)<250", "p(99)<1000"],
    "http_req_duration{scenario:rest_stream}": ["p(99)<5000"],
    sluice_answered: ["rate>0.99"],
    sluice_stream_complete: ["rate>0.99"],
    sluice_request_id_echoed: ["rate>0.999"],
  },
};

function requestId(kind) {
  return `k6-rest-${kind}-${__VU}-${__ITER}`;
}

function headers(id) {
  const h = { "Content-Type": "application/json", "X-Request-Id": id };
  if (KEY) h.Authorization = `Bearer ${KEY}`;
  return h;
}

function body(id, stream) {
  const b = {
    model: MODEL,
    messages: [
      { role: "system", content: "You are a load test. Answer briefly." },
      { role: "user", content: `Question ${id}: name three rivers of Europe.` },
    ],
    max_tokens: MAX_TOKENS,
  };
  if (stream) {
    b.stream = true;
    b.stream_options = { include_usage: true };
  }
  return JSON.stringify(b);
}

/** A parsed JSON body, untyped (k6 types it as any JSON value). @returns {any} */
function json(r) {
  return r.json();
}

function echoed(res, id) {
  const got = res.headers["X-Request-Id"] || res.headers["x-request-id"];
  idEchoed.add(got === id);
}

export function unary() {
  const id = requestId("unary");
  const res = http.post(`${BASE}/v1/chat/completions`, body(id, false), { headers: headers(id), tags: { name: "chat_completions" } });
  echoed(res, id);
  const ok = check(res, {
    "status 200": (r) => r.status === 200,
    "has a message": (r) => {
      const j = json(r);
      return Array.isArray(j.choices) && j.choices.length > 0 && typeof j.choices[0].message.content === "string";
    },
    "has usage": (r) => json(r).usage !== undefined,
  });
  answered.add(ok);
}

export function stream() {
  const id = requestId("stream");
  const res = http.post(`${BASE}/v1/chat/completions`, body(id, true), { headers: headers(id), tags: { name: "chat_completions_stream" } });
  echoed(res, id);
  let chunks = 0;
  let usage = false;
  let done = false;
  let errorEvent = false;
  if (res.status === 200 && typeof res.body === "string") {
    for (const line of res.body.split("\n")) {
      if (!line.startsWith("data: ")) continue;
      const data = line.slice(6);
      if (data === "[DONE]") {
        done = true;
        continue;
      }
      const j = JSON.parse(data);
      if (j.error) errorEvent = true;
      if (j.usage) usage = true;
      if (Array.isArray(j.choices) && j.choices.length > 0) chunks++;
    }
  }
  streamChunks.add(chunks);
  const ok = check(res, {
    "status 200": (r) => r.status === 200,
    "event stream": (r) => (r.headers["Content-Type"] || "").startsWith("text/event-stream"),
    "content chunks": () => chunks > 1,
    "usage chunk": () => usage,
    "ends with [DONE]": () => done,
    "no error event": () => !errorEvent,
  });
  answered.add(res.status === 200);
  streamComplete.add(ok);
}
