import { randomUUID } from "node:crypto";
import type { Config } from "../gen/sluice/v1/config_pb.js";
import type { ChatChunk, ChatRequest, ChatResponse } from "../gen/sluice/v1/gateway_pb.js";
import { KeyRing } from "../limits/keys.js";
import { BudgetAlerts, MemoryLimitStore, type LimitStore } from "../limits/index.js";
import { pricingTable } from "../limits/from-config.js";
import { FileKeyStore, type KeyStore } from "../limits/key-store.js";
import { Principals } from "../limits/principals.js";
import { join } from "node:path";
import type { Ledger } from "../telemetry/ledger.js";
import { aggregateUsage, readFileLedger, readRedisLedger, type UsageQuery, type UsageRow } from "../telemetry/usage-query.js";
import type { Redis } from "ioredis";
import { admitPhase } from "./phases/admit.js";
import { ChatTokenCounter, type ChatTokenCount } from "../tokens/chat-count.js";
import { create } from "@bufbuild/protobuf";
import { EmbedResponseSchema, type EmbedRequest, type EmbedResponse } from "../gen/sluice/v1/gateway_pb.js";
import { SluiceError, asSluiceError } from "../errors/sluice-error.js";
import { isRetryable } from "../errors/upstream.js";
import { newUsage } from "./canonical.js";
import { validateChatRequest } from "./validate.js";
import { inspectPhase, respondPhase } from "./phases/inspect.js";
import { cachePhase } from "./phases/cache.js";
import type { ResponseCache } from "../cache/index.js";
import { piiRules } from "../policy/from-config.js";
import type { PolicyHost } from "../policy/index.js";
import type { ProviderAdapter } from "../providers/adapter.js";
import { createAdapter } from "../providers/registry.js";
import { ModelTable } from "../routing/models.js";
import { routingPolicy } from "../routing/policy.js";
import { Router } from "../routing/router.js";
import type { Logger } from "../telemetry/logger.js";
import type { GatewayMetrics } from "../telemetry/metrics.js";
import { ResponseAssembler } from "./canonical.js";
import { newContext, type AnswerStart } from "./context.js";
import type { Phase } from "./phase.js";
import { authenticate, authenticatePhase } from "./phases/authenticate.js";
import { dispatchPhase } from "./phases/dispatch.js";
import { resolveModel, resolvePhase } from "./phases/resolve.js";
import { routePhase } from "./phases/route.js";
import { settlePhase } from "./phases/settle.js";
import { runPhases } from "./runner.js";

/** Shared services the gateway uses; built from the config by src/server/start.ts. */
export interface GatewayServices {
  /** Default: an in-memory store (one process). */
  limits?: LimitStore;
  /** Keys made with the admin API. Default: `<data_dir>/keys.json`. */
  keyStore?: KeyStore;
  /** Set when the config names Redis: usage queries read the shared ledger stream. */
  redis?: Redis;
  /** The WASM policy host, when `policies` configures a slot. */
  policy?: PolicyHost;
  /** The response cache, when the config has a `cache` section. */
  cache?: ResponseCache;
  /** Input-token counting. Default: through the policy host's `tokens` slot (an estimate
   *  when there is no policy host or no tokens slot). */
  tokenCounter?: ChatTokenCounter;
  ledger?: Ledger;
  alerts?: BudgetAlerts;
}

/** What a surface hands the gateway for one chat request. */
export interface ChatCall {
  request: ChatRequest;
  credentials: string | undefined;
  signal: AbortSignal;
  /** Surface label for metrics and logs ("rest", "grpc", "connect", "grpc-web"). */
  surface: string;
  /** A caller-supplied request id to keep (already checked by the surface), else one is made. */
  requestId?: string;
  /** Told which target answers, before the first chunk (for response headers). */
  onAnswerStart?: (start: AnswerStart) => void;
}

/**
 * The gateway below the surfaces: providers, keys, models and the phase list. Surfaces call
 * `chat`, `chatStream` and `listModels` with canonical messages and never see a provider.
 */
export class Gateway {
  readonly providers: ReadonlyMap<string, ProviderAdapter>;
  /** API keys: the config's and the admin API's, less the revoked. */
  readonly principals: Principals;
  /** Admin keys (config `admin.keys`), for AdminService only. */
  readonly adminKeys = new KeyRing();
  readonly models: ModelTable;
  readonly router: Router;
  /**
   * The fixed, named phase list. Later capabilities add theirs at their place:
   * authenticate, resolve, inspect, admit, cache, route, dispatch, respond, settle.
   */
  readonly phases: readonly Phase[];

  readonly limits: LimitStore;
  readonly tokenCounter: ChatTokenCounter;

  constructor(
    readonly config: Config,
    readonly metrics: GatewayMetrics,
    readonly log: Logger,
    private readonly services: GatewayServices = {},
  ) {
    this.providers = new Map(config.providers.map((p) => [p.id, createAdapter(p)]));
    this.principals = new Principals(config, services.keyStore ?? new FileKeyStore(join(config.dataDir, "keys.json")), (err) =>
      log.error({ err }, "loading API keys failed"),
    );
    for (const key of config.admin?.keys ?? []) {
      this.adminKeys.add(key.hash, { tenant: "", keyId: key.id, mayUse: () => false, scopes: [], tags: {} });
    }
    this.limits = services.limits ?? new MemoryLimitStore();
    this.tokenCounter =
      services.tokenCounter ?? new ChatTokenCounter(services.policy?.has("tokens") ? services.policy.tokens() : null);
    const pricing = pricingTable(config);
    const defaultOutputReserve = config.limits?.defaultOutputReserve || 1024;
    this.models = new ModelTable(config, this.providers);
    this.router = new Router(routingPolicy(config.routing));
    metrics.observeBreakers(() => this.router.health.snapshot());
    this.phases = [
      authenticatePhase(() => this.principals.ring),
      resolvePhase(this.models),
      ...(services.policy && config.policies?.pii ? [inspectPhase(services.policy.pii(piiRules(config.policies.pii)))] : []),
      admitPhase({
        store: this.limits,
        pricing,
        defaultOutputReserve,
        alerts: services.alerts ?? new BudgetAlerts({ logger: log }),
        counter: this.tokenCounter,
        log,
      }),
      ...(services.cache ? [cachePhase(services.cache)] : []),
      routePhase(
        this.router,
        services.policy && config.policies?.router
          ? { policy: services.policy.router(config.policies.router.aliases), aliases: new Set(config.models.map((m) => m.alias)), pricing, metrics }
          : undefined,
      ),
      dispatchPhase(this.router, metrics, { store: this.limits, defaultOutputReserve }),
      respondPhase(),
      settlePhase({ metrics, log, accessLog: config.telemetry?.accessLog ?? true, pricing, ledger: services.ledger }),
    ];
  }

  /** The answer as a stream of chunks; the last chunk carries usage and metadata. */
  chatStream(call: ChatCall): AsyncGenerator<ChatChunk> {
    return runPhases(this.phases, this.context(call, true));
  }

  /** The whole answer. */
  async chat(call: ChatCall): Promise<ChatResponse> {
    const assembler = new ResponseAssembler();
    for await (const chunk of runPhases(this.phases, this.context(call, false))) assembler.add(chunk);
    return assembler.response();
  }

  /**
   * Input tokens of a chat request as its model's first target bills them. Authenticated and
   * resolved like a chat call (the same errors for unknown models and bad keys).
   */
  async countTokens(request: ChatRequest, credentials: string | undefined): Promise<ChatTokenCount & { provider: string; model: string }> {
    const principal = authenticate(this.principals.ring, credentials);
    validateChatRequest(request);
    const target = resolveModel(this.models, principal, request.model).targets[0]!;
    const count = await this.tokenCounter.count(request, target.provider.kind, target.model);
    return { ...count, provider: target.provider.id, model: target.model };
  }

  /**
   * Embeddings from the model's targets in order (the first that serves embeddings; a
   * retryable failure moves on to the next).
   */
  async embed(call: { request: EmbedRequest; credentials: string | undefined; signal: AbortSignal; surface: string }): Promise<EmbedResponse> {
    const started = performance.now();
    const { request } = call;
    let status = "ok";
    let provider = "";
    try {
      const principal = authenticate(this.principals.ring, call.credentials);
      if (request.inputs.length === 0) throw new SluiceError("invalid_request", "input must not be empty", { param: "input" });
      const targets = resolveModel(this.models, principal, request.model).targets.filter((t) => t.provider.embed);
      if (targets.length === 0) throw new SluiceError("invalid_request", `the model \`${request.model}\` does not serve embeddings`, { param: "model" });
      let lastError: SluiceError | undefined;
      for (const target of targets) {
        try {
          const result = await target.provider.embed!({ model: target.model, inputs: request.inputs, dimensions: request.dimensions, signal: call.signal });
          provider = target.provider.id;
          return create(EmbedResponseSchema, {
            embeddings: result.vectors.map((values) => ({ values })),
            usage: newUsage({ inputTokens: result.inputTokens }),
            provider,
            model: result.model,
          });
        } catch (err) {
          lastError = asSluiceError(err);
          if (!isRetryable(lastError) || call.signal.aborted) break;
        }
      }
      throw lastError!;
    } catch (err) {
      const error = asSluiceError(err);
      status = error.code;
      throw error;
    } finally {
      this.metrics.requests.inc({ surface: call.surface, model: request.model, provider, status });
      this.metrics.duration.observe({ surface: call.surface, model: request.model }, (performance.now() - started) / 1000);
    }
  }

  /** Model names the caller may use. Throws `unauthenticated` like a chat call would. */
  listModels(credentials: string | undefined): Array<{ id: string; providers: string[] }> {
    const principal = authenticate(this.principals.ring, credentials);
    return this.models.list().filter((m) => principal.mayUse(m.id));
  }

  /**
   * Usage over a time range from the ledger: the Redis stream (every replica's records) when
   * Redis is configured, else this process's files.
   */
  async usage(query: UsageQuery): Promise<UsageRow[]> {
    await this.flushLedger();
    const records = this.services.redis
      ? readRedisLedger(this.services.redis, query)
      : readFileLedger(join(this.config.dataDir, "usage"), query);
    return aggregateUsage(records, query);
  }

  /** Writes buffered usage records now (tests and admin reads; the ledger also flushes itself). */
  async flushLedger(): Promise<void> {
    await this.services.ledger?.flush();
  }

  /** The WASM policy host, when a policy slot is configured. */
  get policy(): PolicyHost | undefined {
    return this.services.policy;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.providers.values()].map((p) => p.close()));
    await this.services.ledger?.close();
    await this.services.keyStore?.close();
    await this.services.policy?.close();
    await this.services.cache?.close();
    await this.tokenCounter.close();
    await this.limits.close();
  }

  private context(call: ChatCall, stream: boolean) {
    return newContext({
      requestId: call.requestId ?? randomUUID(),
      surface: call.surface,
      credentials: call.credentials,
      signal: call.signal,
      stream,
      request: call.request,
      onAnswerStart: call.onAnswerStart,
    });
  }
}
