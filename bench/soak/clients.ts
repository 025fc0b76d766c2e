import http from "node:http";
import http2 from "node:http2";
import * as grpc from "@grpc/grpc-js";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import {
  ChatRequestSchema,
  EmbedRequestSchema,
  GatewayService,
  Role,
} from "../../src/gen/sluice/v1/gateway_pb.js";
import { grpcClient } from "../../test/support/grpc-client.js";

/**
 * One request of the soak, on one surface, with one client behaviour:
 *   complete    reads the whole answer
 *   abort       goes away in the middle (a stream after a few chunks; a unary call after a
 *               short delay, before or after the answer)
 *   noread      takes the answer's headers and first chunk, stops reading, holds the
 *               connection a while, then drops it (gRPC: destroys the whole h2 session)
 *   disconnect  drops the request almost at once, usually before any answer
 */
export type Behaviour = "complete" | "abort" | "noread" | "disconnect";
export type Surface = "rest" | "grpc" | "connect";
export type Operation = "chat" | "stream" | "embed" | "count";

export interface Call {
  id: string;
  surface: Surface;
  op: Operation;
  behaviour: Behaviour;
  key: string;
  model: string;
  /** The user message (chat) or the embeddings input. */
  text: string;
  maxTokens: number;
  /** ms: abort delay (abort/disconnect), chunks before aborting (stream abort), hold (noread). */
  abortAfterMs: number;
  abortAfterChunks: number;
  holdMs: number;
}

export interface CallResult {
  /** The gateway answered something for this request (headers, a status, an error code). */
  answered: boolean;
  /** HTTP status, or a gRPC/Connect code name, or "client-gone", "transport:<reason>". */
  outcome: string;
  /** The x-request-id the gateway sent back, when one was seen. */
  echoedId: string | undefined;
  chunks: number;
}

const SAFETY_MS = 30_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class SoakClients {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly grpcClients: Array<grpc.Client & Record<string, any>>;
  private readonly connect: Client<typeof GatewayService>;
  private next = 0;

  constructor(private readonly baseUrl: string) {
    const address = new URL(baseUrl).host;
    this.grpcClients = [0, 1].map(() => grpcClient(address));
    this.connect = createClient(GatewayService, createConnectTransport({ baseUrl, httpVersion: "1.1" }));
  }

  close(): void {
    for (const c of this.grpcClients) c.close();
    this.agent.destroy();
  }

  /**
   * Runs one call. Each surface gives up on its own after SAFETY_MS; a call that still has not
   * settled some seconds later (a client library stuck) is reported as `stuck` and left behind.
   */
  run(call: Call): Promise<CallResult> {
    const started =
      call.surface === "rest"
        ? this.rest(call)
        : call.surface === "connect"
          ? this.viaConnect(call)
          : call.op === "stream" && call.behaviour === "noread"
            ? this.grpcRawNoRead(call)
            : this.grpc(call);
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<CallResult>((resolve) => {
      timer = setTimeout(() => resolve({ answered: false, outcome: "stuck", echoedId: undefined, chunks: 0 }), SAFETY_MS + 5_000);
    });
    return Promise.race([started, stuck]).finally(() => clearTimeout(timer));
  }

  // ---- REST ----------------------------------------------------------------------------------

  private rest(call: Call): Promise<CallResult> {
    const path = call.op === "embed" ? "/v1/embeddings" : call.op === "count" ? "/v1/tokens/count" : "/v1/chat/completions";
    const body =
      call.op === "embed"
        ? { model: call.model, input: [call.text] }
        : {
            model: call.model,
            messages: [{ role: "user", content: call.text }],
            max_tokens: call.maxTokens,
            ...(call.op === "stream" ? { stream: true, stream_options: { include_usage: true } } : {}),
          };
    const payload = JSON.stringify(body);
    return new Promise<CallResult>((resolve) => {
      const result: CallResult = { answered: false, outcome: "client-gone", echoedId: undefined, chunks: 0 };
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        clearTimeout(safety);
        clearTimeout(dropTimer);
        resolve(result);
      };
      const req = http.request(`${this.baseUrl}${path}`, {
        method: "POST",
        agent: this.agent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload), authorization: `Bearer ${call.key}`, "x-request-id": call.id },
      });
      const drop = () => {
        req.destroy();
        finish();
      };
      const safety = setTimeout(drop, SAFETY_MS);
      let dropTimer: NodeJS.Timeout | undefined;
      if (call.behaviour === "disconnect" || (call.behaviour === "abort" && call.op !== "stream")) {
        dropTimer = setTimeout(drop, call.abortAfterMs);
      }
      req.on("error", (err: NodeJS.ErrnoException) => {
        if (!result.answered && !finished) result.outcome = `transport:${err.code ?? err.message}`;
        finish();
      });
      req.on("response", (res) => {
        result.answered = true;
        result.outcome = String(res.statusCode);
        const echoed = res.headers["x-request-id"];
        result.echoedId = Array.isArray(echoed) ? echoed[0] : echoed;
        if (call.behaviour === "noread") {
          res.once("data", () => {
            result.chunks++;
            res.pause();
          });
          setTimeout(drop, call.holdMs);
          return;
        }
        res.on("data", () => {
          result.chunks++;
          if (call.behaviour === "abort" && call.op === "stream" && result.chunks >= call.abortAfterChunks) drop();
        });
        res.on("end", finish);
        res.on("close", finish);
        res.on("error", finish);
      });
      req.end(payload);
    });
  }

  // ---- gRPC (@grpc/grpc-js) ------------------------------------------------------------------

  private grpc(call: Call): Promise<CallResult> {
    const client = this.grpcClients[this.next++ % this.grpcClients.length]!;
    const metadata = new grpc.Metadata();
    metadata.set("authorization", `Bearer ${call.key}`);
    metadata.set("x-request-id", call.id);
    const result: CallResult = { answered: false, outcome: "client-gone", echoedId: undefined, chunks: 0 };
    const fromMetadata = (m: grpc.Metadata | undefined) => {
      const v = m?.get("x-request-id")[0];
      if (v !== undefined) {
        result.answered = true;
        result.echoedId = String(v);
      }
    };
    return new Promise<CallResult>((resolve) => {
      let finished = false;
      let grpcCall: grpc.ClientUnaryCall | grpc.ClientReadableStream<unknown>;
      const finish = () => {
        if (finished) return;
        finished = true;
        clearTimeout(safety);
        clearTimeout(dropTimer);
        resolve(result);
      };
      const drop = () => {
        grpcCall.cancel();
        finish();
      };
      const onStatus = (err: grpc.ServiceError | null) => {
        if (!err) result.outcome = "OK";
        else if (err.code === grpc.status.CANCELLED && !result.answered) result.outcome = "client-gone";
        else {
          result.outcome = grpc.status[err.code] ?? String(err.code);
          fromMetadata(err.metadata);
          if (err.metadata?.get("sluice-error-code").length) result.answered = true;
        }
        finish();
      };
      if (call.op === "stream") {
        const s = client.chatStream(chatRequest(call), metadata) as grpc.ClientReadableStream<unknown>;
        grpcCall = s;
        s.on("metadata", fromMetadata);
        s.on("data", () => {
          result.chunks++;
          if (call.behaviour === "abort" && result.chunks >= call.abortAfterChunks) drop();
        });
        s.on("status", (st: grpc.StatusObject) => {
          if (st.code === grpc.status.OK) result.outcome = "OK";
          fromMetadata(st.metadata);
        });
        s.on("error", (err: grpc.ServiceError) => onStatus(err));
        s.on("end", finish);
      } else {
        const method = call.op === "embed" ? "embed" : call.op === "count" ? "countTokens" : "chat";
        const request = call.op === "embed" ? create(EmbedRequestSchema, { model: call.model, inputs: [call.text] }) : chatRequest(call);
        const c = client[method](request, metadata, (err: grpc.ServiceError | null) => onStatus(err)) as grpc.ClientUnaryCall;
        grpcCall = c;
        c.on("metadata", fromMetadata);
      }
      const safety = setTimeout(drop, SAFETY_MS);
      let dropTimer: NodeJS.Timeout | undefined;
      if (call.behaviour === "disconnect" || (call.behaviour === "abort" && call.op !== "stream")) dropTimer = setTimeout(drop, call.abortAfterMs);
      if (call.behaviour === "noread") dropTimer = setTimeout(drop, call.holdMs);
    });
  }

  /**
   * A gRPC ChatStream over a raw h2 session of its own: read the first message, stop reading,
   * then destroy the session (what a crashed or wedged client does).
   */
  private grpcRawNoRead(call: Call): Promise<CallResult> {
    const result: CallResult = { answered: false, outcome: "client-gone", echoedId: undefined, chunks: 0 };
    return new Promise<CallResult>((resolve) => {
      const session = http2.connect(this.baseUrl);
      session.on("error", () => undefined);
      const stream = session.request({
        ":method": "POST",
        ":path": "/sluice.v1.GatewayService/ChatStream",
        "content-type": "application/grpc",
        te: "trailers",
        authorization: `Bearer ${call.key}`,
        "x-request-id": call.id,
      });
      stream.on("error", () => undefined);
      stream.on("response", (headers) => {
        result.answered = true;
        const echoed = headers["x-request-id"];
        result.echoedId = Array.isArray(echoed) ? echoed[0] : echoed;
        const status = headers["grpc-status"];
        result.outcome = status === undefined ? "streaming" : (grpc.status[Number(status)] ?? String(status));
      });
      stream.once("data", () => {
        result.chunks++;
        stream.pause();
      });
      const message = Buffer.from(toBinary(ChatRequestSchema, chatRequest(call)));
      const frame = Buffer.alloc(5 + message.length);
      frame.writeUInt32BE(message.length, 1);
      message.copy(frame, 5);
      stream.end(frame);
      setTimeout(() => {
        session.destroy();
        resolve(result);
      }, call.holdMs);
    });
  }

  // ---- Connect (@connectrpc/connect-node, Connect protocol over HTTP/1.1) --------------------

  private async viaConnect(call: Call): Promise<CallResult> {
    const result: CallResult = { answered: false, outcome: "client-gone", echoedId: undefined, chunks: 0 };
    const controller = new AbortController();
    const safety = setTimeout(() => controller.abort(), SAFETY_MS);
    let dropTimer: NodeJS.Timeout | undefined;
    if (call.behaviour === "disconnect" || (call.behaviour === "abort" && call.op !== "stream")) {
      dropTimer = setTimeout(() => controller.abort(), call.abortAfterMs);
    }
    const options = {
      headers: { authorization: `Bearer ${call.key}`, "x-request-id": call.id },
      signal: controller.signal,
      onHeader: (h: Headers) => {
        result.answered = true;
        result.echoedId = h.get("x-request-id") ?? undefined;
      },
    };
    try {
      if (call.op === "stream" && call.behaviour === "noread") {
        // Take the first chunk, pull no more, then go away without another read.
        const it = this.connect.chatStream(chatRequest(call), options)[Symbol.asyncIterator]();
        if (!(await it.next()).done) result.chunks++;
        await sleep(call.holdMs);
        controller.abort();
        void it.return?.().catch(() => undefined);
        if (result.answered) result.outcome = "streaming";
        return result;
      } else if (call.op === "stream") {
        for await (const _chunk of this.connect.chatStream(chatRequest(call), options)) {
          result.chunks++;
          if (call.behaviour === "abort" && result.chunks >= call.abortAfterChunks) controller.abort();
        }
      } else if (call.op === "embed") await this.connect.embed({ model: call.model, inputs: [call.text] }, options);
      else if (call.op === "count") await this.connect.countTokens(chatRequest(call), options);
      else await this.connect.chat(chatRequest(call), options);
      result.outcome = "OK";
    } catch (err) {
      const e = ConnectError.from(err);
      if (e.code === Code.Canceled && controller.signal.aborted) result.outcome = "client-gone";
      else {
        result.outcome = Code[e.code] ?? String(e.code);
        const echoed = e.metadata.get("x-request-id");
        if (echoed) {
          result.answered = true;
          result.echoedId = echoed;
        }
        if (e.metadata.get("sluice-error-code")) result.answered = true;
      }
    } finally {
      clearTimeout(safety);
      clearTimeout(dropTimer);
    }
    return result;
  }
}

function chatRequest(call: Call) {
  return create(ChatRequestSchema, {
    model: call.model,
    messages: [{ role: Role.USER, content: [{ part: { case: "text", value: call.text } }] }],
    params: { maxOutputTokens: call.maxTokens },
  });
}

