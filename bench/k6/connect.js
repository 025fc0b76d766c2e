// k6 load test of the Connect surface (issue 21), stock k6 v1 APIs only (k6/http): the Connect
// protocol is plain HTTP, so no client library is needed.
//
//   k6 run bench/k6/connect.js \
//     -e SLUICE_URL=http://127.0.0.1:8080 -e SLUICE_KEY=sk-sluice-... -e MODEL=mock-echo \
//     -e RATE=50 -e DURATION=1m
//
// Two scenarios run side by side against one gateway:
//   connect_unary    POST /sluice.v1.GatewayService/Chat with `application/json` (a ChatRequest in
//                    protobuf's JSON form; the answer is a ChatResponse in JSON)
//   connect_stream   POST /sluice.v1.GatewayService/ChatStream with `application/connect+json`:
//                    one enveloped request; the answer is enveloped ChatChunks and an end-of-stream
//                    envelope (flag 0x02) that must carry no error. k6 reads it whole.
// Prompts are ASCII, so envelopes are built and read byte by byte (k6 has no TextEncoder).
// Env: SLUICE_URL, SLUICE_KEY (empty: no key), MODEL, RATE (iterations per second per scenario,
// default 50), DURATION (default 1m), MAX_TOKENS (default 64).
import http from "k6/http";
import { check } from "k6";
import { Rate, Trend } from "k6/metrics";

const BASE = __ENV.SLUICE_URL || "http://127.0.0.1:8080";
const KEY = __ENV.SLUICE_KEY || "";
const MODEL = __ENV.MODEL || "mock-echo";
const RATE = Number(__ENV.RATE || 50);
const DURATION = __ENV.DURATION || "1m";
const MAX_TOKENS = Number(__ENV.MAX_TOKENS || 64);

const unaryOk = new Rate("sluice_connect_unary_ok");
const streamOk = new Rate("sluice_connect_stream_ok");
const streamChunks = new Trend("sluice_connect_stream_chunks");

export const options = {
  scenarios: {
    connect_unary: { executor: "constant-arrival-rate", exec: "unary", rate: RATE, timeUnit: "1s", duration: DURATION, preAllocatedVUs: 20, maxVUs: 100 },
    connect_stream: { executor: "constant-arrival-rate", exec: "stream", rate: RATE, timeUnit: "1s", duration: DURATION, preAllocatedVUs: 20, maxVUs: 100 },
  },
  thresholds: {
    http_req_failed: ["rate<0.01"],
    "http_req_duration{scenario:connect_unary}": ["p(95)<250", "p(99)<1000"],
    "http_req_waiting{scenario:connect_stream}": ["p(95)<250", "p(99)<1000"],
    "http_req_duration{scenario:connect_stream}": ["p(99)<5000"],
    sluice_connect_unary_ok: ["rate>0.99"],
    sluice_connect_stream_ok: ["rate>0.99"],
  },
};

function headers(id, contentType) {
  const h = { "Content-Type": contentType, "Connect-Protocol-Version": "1", "X-Request-Id": id };
  if (KEY) h.Authorization = `Bearer ${KEY}`;
  return h;
}

function chatRequest(id) {
  return {
    model: MODEL,
    messages: [
      { role: "ROLE_SYSTEM", content: [{ text: "You are a load test. Answer briefly." }] },
      { role: "ROLE_USER", content: [{ text: `Question ${id}: name three rivers of Europe.` }] },
    ],
    params: { maxOutputTokens: MAX_TOKENS },
  };
}

/** A parsed JSON body, untyped (k6 types it as any JSON value). @returns {any} */
function json(r) {
  return r.json();
}

export function unary() {
  const id = `k6-connect-unary-${__VU}-${__ITER}`;
  const res = http.post(`${BASE}/sluice.v1.GatewayService/Chat`, JSON.stringify(chatRequest(id)), {
    headers: headers(id, "application/json"),
    tags: { name: "connect_chat" },
  });
  const ok = check(res, {
    "status 200": (r) => r.status === 200,
    "has a message": (r) => {
      const j = json(r);
      return j.message !== undefined && Array.isArray(j.message.content) && j.message.content.length > 0;
    },
    "has usage": (r) => json(r).usage !== undefined,
    "metadata has the request id": (r) => (json(r).metadata || {}).requestId === id,
  });
  unaryOk.add(ok);
}

/** One Connect envelope: flags (0), big-endian length, the ASCII JSON bytes. */
function envelope(text) {
  const bytes = new Uint8Array(5 + text.length);
  const n = text.length;
  bytes[1] = (n >>> 24) & 0xff;
  bytes[2] = (n >>> 16) & 0xff;
  bytes[3] = (n >>> 8) & 0xff;
  bytes[4] = n & 0xff;
  for (let i = 0; i < n; i++) bytes[5 + i] = text.charCodeAt(i) & 0xff;
  return bytes.buffer;
}

/** The envelopes of a Connect streaming answer: [{ flags, json }]. */
function envelopes(buffer) {
  const bytes = new Uint8Array(buffer);
  const out = [];
  let at = 0;
  while (at + 5 <= bytes.length) {
    const flags = bytes[at];
    const n = ((bytes[at + 1] << 24) | (bytes[at + 2] << 16) | (bytes[at + 3] << 8) | bytes[at + 4]) >>> 0;
    let text = "";
    for (let i = at + 5; i < at + 5 + n && i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
    out.push({ flags, json: text.length > 0 ? JSON.parse(text) : {} });
    at += 5 + n;
  }
  return out;
}

export function stream() {
  const id = `k6-connect-stream-${__VU}-${__ITER}`;
  const res = http.post(`${BASE}/sluice.v1.GatewayService/ChatStream`, envelope(JSON.stringify(chatRequest(id))), {
    headers: headers(id, "application/connect+json"),
    responseType: "binary",
    tags: { name: "connect_chat_stream" },
  });
  const all = res.status === 200 && res.body ? envelopes(res.body) : [];
  const chunks = all.filter((e) => (e.flags & 0x02) === 0);
  const end = all.find((e) => (e.flags & 0x02) !== 0);
  const last = chunks[chunks.length - 1];
  streamChunks.add(chunks.length);
  const ok = check(res, {
    "status 200": (r) => r.status === 200,
    "text streamed": () => chunks.some((c) => (c.json.textDelta || "").length > 0),
    "last chunk has usage": () => last !== undefined && last.json.usage !== undefined,
    "end of stream without error": () => end !== undefined && end.json.error === undefined,
  });
  streamOk.add(ok);
}
