import type { ConnectRouter, HandlerContext } from "@connectrpc/connect";
import { create } from "@bufbuild/protobuf";
import { CountTokensResponseSchema, GatewayService, ListModelsResponseSchema, type ChatChunk, type ChatRequest } from "../gen/sluice/v1/gateway_pb.js";
import { newCallRecord, type CallRecord } from "../core/call-record.js";
import type { Principal } from "../core/principal.js";
import type { AnswerStart } from "../core/target.js";
import type { Gateway } from "../pipeline/gateway.js";
import { serverCallKey } from "./call.js";
import { bearerToken } from "./http/body.js";

/**
 * GatewayService over gRPC, gRPC-Web and Connect (one implementation; connect-node speaks the
 * three protocols). The node handler has authenticated the caller before connect-node read the
 * body and hands over the call (record and principal) in the context; errors become Connect
 * errors in the one interceptor (connect/interceptor.ts).
 */
export function gatewayRoutes(gateway: Gateway) {
  return (router: ConnectRouter) =>
    router.service(GatewayService, {
      async chat(request, ctx) {
        const call = chatCall(request, ctx);
        const response = await gateway.chat(call);
        guardHeader(call.record, ctx);
        return response;
      },
      chatStream(request, ctx) {
        const call = chatCall(request, ctx);
        return guardHeaderOnFirst(gateway.chatStream(call), call.record, ctx);
      },
      async countTokens(request, ctx) {
        return create(CountTokensResponseSchema, await gateway.countTokens({ ...callBase(ctx), request }));
      },
      embed: (request, ctx) => gateway.embed({ ...callBase(ctx), request }),
      async listModels(_request, ctx) {
        return create(ListModelsResponseSchema, { models: await gateway.listModels(callBase(ctx)) });
      },
    });
}

/**
 * What every operation takes: the server's call (record, principal) from the context; routes
 * mounted without the node handler in front get a record of their own and the authenticate
 * phase checks the bearer token.
 */
function callBase(ctx: HandlerContext): { record: CallRecord; principal?: Principal; credentials?: string; signal: AbortSignal } {
  const call = ctx.values.get(serverCallKey);
  if (call?.principal) return { record: call.record, principal: call.principal, signal: ctx.signal };
  const credentials = bearerToken(ctx.requestHeader.get("authorization"));
  return { record: call?.record ?? newCallRecord(ctx.protocolName), ...(credentials ? { credentials } : {}), signal: ctx.signal };
}

/** `x-sluice-guard: flagged` (gRPC metadata, Connect header) when the guard slot flagged the request. */
function guardHeader(record: CallRecord, ctx: HandlerContext): void {
  if (record.guard?.startsWith("flagged")) ctx.responseHeader.set("x-sluice-guard", "flagged");
}

/** The stream, with the guard header set before its first message goes out (headers travel with
 *  it); after that the stream's own iterator is used directly. */
function guardHeaderOnFirst(chunks: AsyncGenerator<ChatChunk>, record: CallRecord, ctx: HandlerContext): AsyncIterable<ChatChunk> {
  let first = true;
  return {
    [Symbol.asyncIterator]: () => ({
      async next() {
        const next = await chunks.next();
        if (first) {
          first = false;
          guardHeader(record, ctx);
        }
        return next;
      },
      return: (value?: unknown) => chunks.return(value as undefined),
      throw: (err?: unknown) => chunks.throw(err),
    }),
  };
}

function chatCall(request: ChatRequest, ctx: HandlerContext) {
  return {
    ...callBase(ctx),
    request,
    // Response headers go out with the first message, so a stream's can still say who answers.
    onAnswerStart: (start: AnswerStart) => {
      ctx.responseHeader.set("x-sluice-provider", start.provider);
      ctx.responseHeader.set("x-sluice-model", start.model);
      ctx.responseHeader.set("x-sluice-attempts", String(start.attempts));
    },
  };
}
