import { codeToString, codeToHttpStatus, createEndStreamSerialization, endStreamFlag, errorToJsonBytes } from "@connectrpc/connect/protocol-connect";
import { setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { encodeEnvelope } from "@connectrpc/connect/protocol";
import { toConnectError, type SluiceError } from "../../errors/sluice-error.js";
import { noteError, type ServerCall } from "../call.js";
import { endResponse, unreadBodyHeaders } from "../http/respond.js";
import type { Http2ServerResponse } from "node:http2";
import type { HttpRequest, HttpResponse } from "../http/types.js";

/** The RPC protocols connect-node serves on one path; Connect unary and streaming differ on the wire. */
export type RpcProtocol = "grpc" | "grpc-web" | "connect" | "connect-stream";

/** The protocol of an RPC request, from its content type (the surface label of its call record). */
export function rpcProtocolOf(req: HttpRequest): RpcProtocol {
  const type = (req.headers["content-type"] ?? "").toLowerCase();
  if (type.startsWith("application/grpc-web")) return "grpc-web";
  if (type.startsWith("application/grpc")) return "grpc";
  if (type.startsWith("application/connect+")) return "connect-stream";
  return "connect";
}

/** The call record's surface label for a protocol (connect-es's `protocolName`). */
export function surfaceOf(protocol: RpcProtocol): string {
  return protocol === "connect-stream" ? "connect" : protocol;
}

const endStream = createEndStreamSerialization(undefined);

/**
 * Answers an RPC with an error without reading its body (authentication, draining), in the
 * caller's protocol: gRPC a trailers-only response (HTTP 200, `grpc-status` and `grpc-message`
 * in the one HEADERS frame), gRPC-Web the same in headers, Connect unary the HTTP status of
 * the code and the JSON error body, Connect streaming HTTP 200 and one end-stream message
 * carrying the error (the Connect protocol: streaming responses are always 200).
 */
export function refuseRpc(req: HttpRequest, res: HttpResponse, call: ServerCall, protocol: RpcProtocol, error: SluiceError): void {
  noteError(call, error);
  const ce = toConnectError(error);
  call.rpcCode = codeToString(ce.code);
  const type = (req.headers["content-type"] ?? "").toLowerCase();
  const headers = new Headers();
  let status = 200;
  let body: Uint8Array | undefined;
  switch (protocol) {
    case "grpc":
    case "grpc-web":
      headers.set("content-type", /json/.test(type) ? `application/${protocol}+json` : `application/${protocol}+proto`);
      setTrailerStatus(headers, ce);
      break;
    case "connect-stream":
      headers.set("content-type", /json/.test(type) ? "application/connect+json" : "application/connect+proto");
      body = encodeEnvelope(endStreamFlag, endStream.serialize({ metadata: ce.metadata, error: ce }));
      break;
    case "connect":
      status = codeToHttpStatus(ce.code);
      ce.metadata.forEach((value, key) => headers.set(key, value));
      headers.set("content-type", "application/json");
      body = errorToJsonBytes(ce, undefined);
      break;
  }
  if (body) headers.set("content-length", String(body.byteLength));
  for (const [key, value] of Object.entries(unreadBodyHeaders(req))) headers.set(key, value);
  res.statusCode = status;
  headers.forEach((value, key) => res.setHeader(key, value));
  // No writeHead: on HTTP/2 an `end()` with nothing written sends one HEADERS frame that ends
  // the stream, which is what gRPC calls a trailers-only response.
  endResponse(req, res, body);
}

/** The gRPC status a response sent, as a code name ("ok", "unauthenticated", ...), read back from its trailers (or trailers-only headers). */
export function sentGrpcStatus(res: HttpResponse): string | undefined {
  const stream = (res as Partial<Http2ServerResponse>).stream;
  const status = stream?.sentTrailers?.["grpc-status"] ?? stream?.sentHeaders?.["grpc-status"];
  if (status === undefined) return undefined;
  const code = Number(status);
  return code === 0 ? "ok" : codeToString(code);
}
