import type { ConnectRouter, HandlerContext } from "@connectrpc/connect";
import { create } from "@bufbuild/protobuf";
import { CountTokensResponseSchema, GatewayService, ListModelsResponseSchema, type ChatChunk, type ChatRequest } from "../gen/sluice/v1/gateway_pb.js";
import { asSluiceError, toConnectError } from "../errors/sluice-error.js";
import type { ChatCall, Gateway } from "../pipeline/gateway.js";
import { bearerToken, callerRequestId } from "./http/body.js";

/**
 * GatewayService over gRPC, gRPC-Web and Connect (one implementation; connect-node speaks the
 * three protocols). Catalog errors become Connect errors here, at the boundary.
 */
export function gatewayRoutes(gateway: Gateway) {
  return (router: ConnectRouter) =>
    router.service(GatewayService, {
      async chat(request, ctx) {
        try {
          return await gateway.chat(chatCall(request, ctx));
        } catch (err) {
          throw toConnectError(asSluiceError(err));
        }
      },
      async *chatStream(request, ctx): AsyncGenerator<ChatChunk> {
        const chunks = gateway.chatStream(chatCall(request, ctx));
        try {
          yield* chunks;
        } catch (err) {
          throw toConnectError(asSluiceError(err));
        }
      },
      async countTokens(request, ctx) {
        try {
          const count = await gateway.countTokens(request, bearerToken(ctx.requestHeader.get("authorization")));
          return create(CountTokensResponseSchema, count);
        } catch (err) {
          throw toConnectError(asSluiceError(err));
        }
      },
      async embed(request, ctx) {
        try {
          return await gateway.embed({ request, credentials: bearerToken(ctx.requestHeader.get("authorization")), signal: ctx.signal, surface: ctx.protocolName });
        } catch (err) {
          throw toConnectError(asSluiceError(err));
        }
      },
      listModels(_request, ctx) {
        try {
          const models = gateway.listModels(bearerToken(ctx.requestHeader.get("authorization")));
          return create(ListModelsResponseSchema, { models });
        } catch (err) {
          throw toConnectError(asSluiceError(err));
        }
      },
    });
}

function chatCall(request: ChatRequest, ctx: HandlerContext): ChatCall {
  const requestId = callerRequestId(ctx.requestHeader.get("x-request-id") ?? undefined);
  return {
    request,
    credentials: bearerToken(ctx.requestHeader.get("authorization")),
    signal: ctx.signal,
    surface: ctx.protocolName,
    ...(requestId ? { requestId } : {}),
    // Response headers go out with the first message, so a stream's can still say who answers.
    onAnswerStart: (start) => {
      ctx.responseHeader.set("x-sluice-provider", start.provider);
      ctx.responseHeader.set("x-sluice-model", start.model);
      ctx.responseHeader.set("x-sluice-attempts", String(start.attempts));
    },
  };
}
