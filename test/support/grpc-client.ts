import * as grpc from "@grpc/grpc-js";
import { fromBinary, toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import {
  ChatChunkSchema,
  ChatRequestSchema,
  ChatResponseSchema,
  CountTokensResponseSchema,
  EmbedRequestSchema,
  EmbedResponseSchema,
  ListModelsRequestSchema,
  ListModelsResponseSchema,
} from "../../src/gen/sluice/v1/gateway_pb.js";

function method<I extends DescMessage, O extends DescMessage>(name: string, input: I, output: O, responseStream: boolean) {
  return {
    path: `/sluice.v1.GatewayService/${name}`,
    requestStream: false,
    responseStream,
    requestSerialize: (m: MessageShape<I>) => Buffer.from(toBinary(input, m)),
    requestDeserialize: (b: Buffer) => fromBinary(input, b),
    responseSerialize: (m: MessageShape<O>) => Buffer.from(toBinary(output, m)),
    responseDeserialize: (b: Buffer) => fromBinary(output, b),
  };
}

const GatewayServiceDefinition = {
  chat: method("Chat", ChatRequestSchema, ChatResponseSchema, false),
  chatStream: method("ChatStream", ChatRequestSchema, ChatChunkSchema, true),
  listModels: method("ListModels", ListModelsRequestSchema, ListModelsResponseSchema, false),
  countTokens: method("CountTokens", ChatRequestSchema, CountTokensResponseSchema, false),
  embed: method("Embed", EmbedRequestSchema, EmbedResponseSchema, false),
} as const;

const GatewayGrpcClient = grpc.makeGenericClientConstructor(GatewayServiceDefinition as never, "GatewayService");

/**
 * A plain @grpc/grpc-js client for sluice.v1.GatewayService, with protobuf-es doing the
 * (de)serialisation: what an internal service with a generated gRPC stub sends on the wire.
 * The tests and the fault soak use it.
 */
export function grpcClient(address: string): grpc.Client & Record<string, any> {
  return new GatewayGrpcClient(address, grpc.credentials.createInsecure()) as never;
}
