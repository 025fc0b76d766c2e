import type { ConnectRouter, HandlerContext } from "@connectrpc/connect";
import { create } from "@bufbuild/protobuf";
import { CountTokensResponseSchema, GatewayService, ListModelsResponseSchema, type ChatRequest } from "../gen/sluice/v1/gateway_pb.js";
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
      chat: (request, ctx) => gateway.chat(chatCall(request, ctx)),
      chatStream: (request, ctx) => gateway.chatStream(chatCall(request, ctx)),
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
