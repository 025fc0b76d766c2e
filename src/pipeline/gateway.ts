import { create } from "@bufbuild/protobuf";
import { ChatRequestSchema, type ChatChunk, type ChatRequest, type ChatResponse, type EmbedRequest, type EmbedResponse } from "../gen/sluice/v1/gateway_pb.js";
import { ResponseAssembler } from "../core/canonical.js";
import type { CallRecord } from "../core/call-record.js";
import type { Principal } from "../core/principal.js";
import type { AnswerStart } from "../core/target.js";
import type { KeyRing } from "../limits/keys.js";
import type { Principals } from "../limits/principals.js";
import type { PolicyHost } from "../policy/index.js";
import type { UsageQuery, UsageRow } from "../telemetry/usage-query.js";
import { newContext, type Operation, type RequestContext, type TokenCount } from "./context.js";
import { operationPhases, type OperationPhases, type PipelineServices } from "./operations.js";
import { authenticate } from "./phases/authenticate.js";
import { runCall, runPhases, runWhole } from "./runner.js";

/** What every call hands the gateway, whatever the operation. */
export interface CallBase {
  /** Made by the surface (request id, surface label); the pipeline fills it in for the access log. */
  record: CallRecord;
  /** The caller, when the surface authenticated it already (surfaces do, before reading the body). */
  principal?: Principal;
  /** Else the bearer token as presented; the authenticate phase checks it. */
  credentials?: string;
  /** Fires when the caller goes away. */
  signal: AbortSignal;
}

export interface ChatCall extends CallBase {
  request: ChatRequest;
  /** Told which target answers, before the first chunk (for response headers). */
  onAnswerStart?: (start: AnswerStart) => void;
}

export interface EmbedCall extends CallBase {
  request: EmbedRequest;
}

/** The gateway's parts beyond the phases' own: what the surfaces and the admin API use. */
export interface GatewayServices extends PipelineServices {
  principals: Principals;
  /** Admin keys (config `admin.keys`), for AdminService only. */
  adminKeys: KeyRing;
  policy: PolicyHost | undefined;
  /** Usage over a time range from the ledger (the Redis stream with Redis, else this process's files). */
  usage: (query: UsageQuery) => Promise<UsageRow[]>;
  /** Closes everything the composition root opened, in order. */
  close: () => Promise<void>;
}

/** Non-chat operations carry no chat request; phases that read one see an empty one. */
const NO_CHAT_REQUEST = create(ChatRequestSchema);

/**
 * The gateway below the surfaces. Surfaces call its operations with canonical messages and
 * never see a provider; each operation runs its phase list (operations.ts). Built by
 * `createGateway` (src/app), the one composition root.
 */
export class Gateway {
  private readonly phases: OperationPhases;

  constructor(private readonly services: GatewayServices) {
    this.phases = operationPhases(services);
  }

  get log() {
    return this.services.log;
  }
  get metrics() {
    return this.services.metrics;
  }
  get principals() {
    return this.services.principals;
  }
  get adminKeys() {
    return this.services.adminKeys;
  }
  get limits() {
    return this.services.limits;
  }
  /** Routing state (the health table the console's Providers page shows). */
  get router() {
    return this.services.router;
  }
  /** The configured model aliases and their targets. */
  get models() {
    return this.services.models;
  }
  /** The WASM policy host, when a policy slot is configured. */
  get policy() {
    return this.services.policy;
  }
  /** Stored prompt templates (the admin API pushes and labels them). */
  get prompts() {
    return this.services.prompts;
  }

  /** The caller of a bearer token; throws `unauthenticated` (the same check every operation makes). */
  authenticate(credentials: string | undefined): Principal {
    return authenticate(this.services.keys(), credentials);
  }

  /** The answer as a stream of chunks; the last chunk carries usage and metadata. */
  chatStream(call: ChatCall): AsyncGenerator<ChatChunk> {
    return runPhases(this.phases.chat, this.chatContext(call, true));
  }

  /** The whole answer. */
  async chat(call: ChatCall): Promise<ChatResponse> {
    const assembler = new ResponseAssembler();
    const ctx = this.chatContext(call, false);
    await runWhole(this.phases.chat, ctx, (chunk) => assembler.add(chunk));
    return assembler.response();
  }

  /** Embeddings, limited, priced and recorded like a chat request. */
  async embed(call: EmbedCall): Promise<EmbedResponse> {
    const ctx = this.context("embed", call, { model: call.request.model, embedRequest: call.request });
    await runCall(this.phases.embed, ctx);
    return ctx.embedResponse!;
  }

  /** Input tokens of a chat request as its model's first target bills them. */
  async countTokens(call: CallBase & { request: ChatRequest }): Promise<TokenCount> {
    const ctx = this.context("count_tokens", call, { model: call.request.model, request: call.request });
    await runCall(this.phases.countTokens, ctx);
    return ctx.tokenCount!;
  }

  /** The model names the caller may use. */
  async listModels(call: CallBase): Promise<Array<{ id: string; providers: string[] }>> {
    const ctx = this.context("list_models", call, { model: "" });
    await runCall(this.phases.listModels, ctx);
    return ctx.modelList!;
  }

  /** Usage over a time range from the ledger (every replica's records with Redis). */
  async usage(query: UsageQuery): Promise<UsageRow[]> {
    await this.flushLedger();
    return this.services.usage(query);
  }

  /** Writes buffered usage records now (tests and admin reads; the ledger also flushes itself). */
  async flushLedger(): Promise<void> {
    await this.services.ledger?.flush();
  }

  close(): Promise<void> {
    return this.services.close();
  }

  private chatContext(call: ChatCall, stream: boolean): RequestContext {
    return this.context("chat", call, { stream, model: call.request.model, request: call.request, onAnswerStart: call.onAnswerStart });
  }

  private context(
    operation: Operation,
    call: CallBase,
    what: { model: string; stream?: boolean; request?: ChatRequest; embedRequest?: EmbedRequest; onAnswerStart?: ChatCall["onAnswerStart"] },
  ): RequestContext {
    return newContext({
      operation,
      record: call.record,
      credentials: call.credentials,
      principal: call.principal,
      signal: call.signal,
      stream: what.stream ?? false,
      model: what.model,
      request: what.request ?? NO_CHAT_REQUEST,
      embedRequest: what.embedRequest,
      onAnswerStart: what.onAnswerStart,
    });
  }
}
