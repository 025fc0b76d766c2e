import type { ConnectRouter, HandlerContext } from "@connectrpc/connect";
import { create } from "@bufbuild/protobuf";
import {
  AdminService,
  ApiKeyInfoSchema,
  CreateKeyResponseSchema,
  GetUsageResponseSchema,
  ListKeysResponseSchema,
  ListPolicySlotsResponseSchema,
  LabelPromptResponseSchema,
  ListPoliciesResponseSchema,
  ListPromptsResponseSchema,
  GetPromptResponseSchema,
  PushPromptResponseSchema,
  RollbackPromptResponseSchema,
  PushPolicyResponseSchema,
  RollbackPolicyResponseSchema,
  RevokeKeyResponseSchema,
  TestPolicyResponseSchema,
  UsageRowSchema,
} from "../gen/sluice/v1/admin_pb.js";
import { SluiceError } from "../errors/sluice-error.js";
import type { Principal } from "../core/principal.js";
import type { KeyInfo } from "../limits/principals.js";
import { PrincipalError } from "../limits/principals.js";
import type { Gateway } from "../pipeline/gateway.js";
import { PolicyValidationError, SLOT_DEFINITIONS, testPolicyModule, type PolicyHost, type SlotName } from "../policy/index.js";
import type { UsageGroupBy } from "../telemetry/usage-query.js";
import { watchProviderHealth } from "./admin-health.js";
import { promptLabels, promptStore, promptVersionInfo } from "./admin-prompts.js";
import { serverCallKey } from "./call.js";
import { bearerToken } from "./http/body.js";

const groupNames: Record<string, UsageGroupBy> = {
  tenant: "tenant",
  key: "key",
  model: "model",
  model_requested: "modelRequested",
  provider: "provider",
  tag: "tag",
  prompt: "prompt",
};

/**
 * The admin check: admin keys (config `admin.keys`) only; tenants' API keys are refused, so no
 * tenant can read another's usage or keys. The node handler runs it before the body is read.
 */
export function authenticateAdmin(gateway: Gateway, authorization: string | null | undefined): Principal {
  if (gateway.adminKeys.size === 0) throw new SluiceError("permission_denied", "the admin API is off: configure admin.keys");
  const token = bearerToken(authorization);
  const admin = token ? gateway.adminKeys.verify(token) : undefined;
  if (!admin) throw new SluiceError("unauthenticated", "an admin key is required");
  return admin;
}

/**
 * AdminService: key management, policy modules and usage, for admin keys only (checked by the
 * node handler before the body is read, or here when these routes are mounted without it).
 * Errors become Connect errors in the one interceptor.
 */
export function adminRoutes(gateway: Gateway) {
  function requireAdmin(ctx: HandlerContext): void {
    if (!ctx.values.get(serverCallKey)?.admin) authenticateAdmin(gateway, ctx.requestHeader.get("authorization"));
  }
  function guarded<I, O>(handler: (req: I, ctx: HandlerContext) => Promise<O> | O) {
    return async (req: I, ctx: HandlerContext): Promise<O> => {
      try {
        requireAdmin(ctx);
        return await handler(req, ctx);
      } catch (err) {
        if (err instanceof PrincipalError) throw new SluiceError(err.kind === "not_found" ? "not_found" : "invalid_request", err.message);
        if (err instanceof PolicyValidationError) throw new SluiceError("invalid_request", err.message);
        throw err;
      }
    };
  }
  function policyHost(): PolicyHost {
    if (!gateway.policy) throw new SluiceError("invalid_request", "no policy slot is configured (policies in the config)");
    return gateway.policy;
  }
  return (router: ConnectRouter) =>
    router.service(AdminService, {
      createKey: guarded(async (req) => {
        const made = await gateway.principals.create({ tenant: req.tenant, id: req.id, expiresAt: req.expiresAt, tags: req.tags });
        gateway.log.info({ key_id: made.info.id, tenant: made.info.tenant }, "api key created");
        return create(CreateKeyResponseSchema, { key: keyInfo(made.info), secret: made.secret });
      }),
      listKeys: guarded((req) => create(ListKeysResponseSchema, { keys: gateway.principals.list(req.tenant).map(keyInfo) })),
      revokeKey: guarded(async (req) => {
        const info = await gateway.principals.revoke(req.id);
        gateway.log.info({ key_id: info.id, tenant: info.tenant }, "api key revoked");
        return create(RevokeKeyResponseSchema, { key: keyInfo(info) });
      }),
      pushPolicy: guarded(async (req) => {
        const version = await policyHost().push(policySlot(req.slot, policyHost()), req.module, req.note);
        gateway.log.info({ slot: req.slot, version: version.version, sha256: version.sha256 }, "policy module pushed");
        return create(PushPolicyResponseSchema, { version: version });
      }),
      listPolicies: guarded(async (req) => {
        const listed = await policyHost().list(policySlot(req.slot, policyHost()));
        return create(ListPoliciesResponseSchema, {
          activeVersion: listed.active?.version ?? 0,
          versions: listed.versions,
          activations: listed.activations,
        });
      }),
      rollbackPolicy: guarded(async (req) => {
        const activation = await policyHost().rollback(policySlot(req.slot, policyHost()), req.version || undefined);
        gateway.log.info({ slot: req.slot, version: activation.version }, "policy module rolled back");
        return create(RollbackPolicyResponseSchema, { activation });
      }),
      testPolicy: guarded(async (req) => {
        const slot = policyHost().slot(policySlot(req.slot, policyHost()));
        const result = await testPolicyModule(slot.definition, slot.config, req.module);
        return create(TestPolicyResponseSchema, { ...result, vectors: slot.definition.conformance.length });
      }),
      listPolicySlots: guarded(() => {
        const host = gateway.policy;
        const names = host ? (Object.keys(SLOT_DEFINITIONS) as SlotName[]).filter((name) => host.has(name)) : [];
        return create(ListPolicySlotsResponseSchema, {
          slots: names.map((name) => {
            const slot = host!.slot(name);
            return { name, export: slot.definition.exportName, fail: slot.config.failMode, activeVersion: slot.current()?.version ?? 0 };
          }),
        });
      }),
      watchProviderHealth: (req, ctx) => {
        requireAdmin(ctx);
        return watchProviderHealth(gateway, req.intervalMs, ctx.signal);
      },
      pushPrompt: guarded(async (req) => {
        const version = await promptStore(gateway).push(req.source);
        gateway.log.info({ prompt: version.id, version: version.version, sha256: version.sha256 }, "prompt pushed");
        return create(PushPromptResponseSchema, { version: promptVersionInfo(version) });
      }),
      listPrompts: guarded(async () => {
        const store = promptStore(gateway);
        const prompts = await Promise.all(
          (await store.ids()).map(async (id) => ({ id, latestVersion: (await store.versions(id)).at(-1)?.version ?? 0, labels: promptLabels(await store.labels(id)) })),
        );
        return create(ListPromptsResponseSchema, { prompts });
      }),
      getPrompt: guarded(async (req) => {
        const store = promptStore(gateway);
        const versions = await store.versions(req.id);
        const chosen = req.version ? versions.find((v) => v.version === req.version) : versions.at(-1);
        if (!chosen) throw new SluiceError("invalid_request", versions.length ? `prompt ${req.id} has no version ${req.version}` : `no prompt \`${req.id}\``);
        return create(GetPromptResponseSchema, {
          version: promptVersionInfo(chosen),
          source: chosen.source,
          versions: versions.map(promptVersionInfo),
          labels: promptLabels(await store.labels(req.id)),
        });
      }),
      labelPrompt: guarded(async (req) => {
        const store = promptStore(gateway);
        await store.setLabel(req.id, req.label, req.targets.map((t) => ({ version: t.version, weight: t.weight || 1 })));
        gateway.log.info({ prompt: req.id, label: req.label, targets: req.targets.map((t) => `${t.version}=${t.weight || 1}`).join(" ") }, "prompt label set");
        return create(LabelPromptResponseSchema, { label: promptLabels(await store.labels(req.id)).find((l) => l.name === req.label) });
      }),
      rollbackPrompt: guarded(async (req) => {
        const store = promptStore(gateway);
        await store.rollback(req.id, req.label);
        gateway.log.info({ prompt: req.id, label: req.label }, "prompt label rolled back");
        return create(RollbackPromptResponseSchema, { label: promptLabels(await store.labels(req.id)).find((l) => l.name === req.label) });
      }),
      getUsage: guarded(async (req) => {
        const to = req.to ? Date.parse(req.to) : Date.now();
        const from = req.from ? Date.parse(req.from) : to - 24 * 3600_000;
        if (Number.isNaN(from) || Number.isNaN(to)) throw new SluiceError("invalid_request", "from and to must be RFC 3339 times");
        const groupBy = req.groupBy.map((g) => {
          const name = groupNames[g];
          if (!name) throw new SluiceError("invalid_request", `group_by ${JSON.stringify(g)}: expected one of ${Object.keys(groupNames).join(", ")}`);
          return name;
        });
        const rows = await gateway.usage({
          from,
          to,
          groupBy,
          ...(req.tenant ? { tenant: req.tenant } : {}),
          ...(req.keyId ? { keyId: req.keyId } : {}),
          ...(req.tagKey ? { tagKey: req.tagKey } : {}),
        });
        return create(GetUsageResponseSchema, {
          rows: rows.map((r) =>
            create(UsageRowSchema, {
              group: Object.fromEntries(Object.entries(r.group).map(([k, v]) => [k === "modelRequested" ? "model_requested" : k, v ?? ""])),
              requests: BigInt(r.requests),
              errors: BigInt(r.errors),
              inputTokens: BigInt(r.inputTokens),
              outputTokens: BigInt(r.outputTokens),
              cachedInputTokens: BigInt(r.cachedInputTokens),
              costUsd: r.costUsd,
            }),
          ),
        });
      }),
    });
}

/** A slot name from a request; it must be one this gateway runs (configured in `policies`). */
function policySlot(slot: string, host: PolicyHost): SlotName {
  if (slot in SLOT_DEFINITIONS) {
    try {
      host.slot(slot as SlotName);
      return slot as SlotName;
    } catch {
      // not configured: the error below
    }
  }
  throw new SluiceError("invalid_request", `slot ${JSON.stringify(slot)}: not a slot this gateway runs (configure it under policies)`);
}

function keyInfo(k: KeyInfo) {
  return create(ApiKeyInfoSchema, k);
}
