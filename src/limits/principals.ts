import { randomBytes } from "node:crypto";
import type { Config } from "../gen/sluice/v1/config_pb.js";
import { keyGrant } from "./from-config.js";
import { KeyRing, modelMatcher, newApiKey } from "./keys.js";
import type { KeyStore, StoredKey } from "./key-store.js";

/** A reload after a change that failed is tried again after this long. */
const RELOAD_RETRY_MS = 1_000;

/** A key as the admin API shows it (never the secret or the hash). */
export interface KeyInfo {
  id: string;
  tenant: string;
  source: "config" | "admin";
  createdAt: string;
  expiresAt: string;
  revoked: boolean;
  tags: Record<string, string>;
}

/**
 * Who may call: the config's keys plus the keys made through the admin API, less the revoked
 * ones. The key ring is rebuilt whole on every change and swapped in, so a request sees either
 * the old ring or the new one, never half of each. With Redis, a change on one replica reaches
 * the others through the store's change notification.
 */
export class Principals {
  ring = new KeyRing();
  private stored: StoredKey[] = [];

  private retry: NodeJS.Timeout | undefined;

  /**
   * `onError` hears of a failed load: `"load"` (an explicit `reload()`: at start, after an admin
   * change) or `"change"` (a reload after a change or a store reconnect: the current keys keep
   * serving, and it is tried again).
   */
  constructor(
    private readonly config: Config,
    private readonly store: KeyStore,
    private readonly onError: (err: unknown, during: "load" | "change") => void,
  ) {
    this.rebuild();
    store.onChange(() => void this.reload("change"));
  }

  /** Loads the stored keys (call once at start; later changes arrive by themselves). */
  async reload(during: "load" | "change" = "load"): Promise<void> {
    try {
      this.stored = await this.store.list();
      this.rebuild();
    } catch (err) {
      this.onError(err, during);
      if (during === "change" && !this.retry) {
        this.retry = setTimeout(() => {
          this.retry = undefined;
          void this.reload("change");
        }, RELOAD_RETRY_MS);
        this.retry.unref();
      }
    }
  }

  async create(input: { tenant: string; id?: string; expiresAt?: string; tags?: Record<string, string> }): Promise<{ info: KeyInfo; secret: string }> {
    if (!this.config.tenants.some((t) => t.id === input.tenant)) throw new PrincipalError(`no tenant ${JSON.stringify(input.tenant)} in the config`);
    const id = input.id || `${input.tenant}-${randomBytes(4).toString("hex")}`;
    if (this.list().some((k) => k.id === id)) throw new PrincipalError(`a key with id ${JSON.stringify(id)} exists`);
    if (input.expiresAt && Number.isNaN(Date.parse(input.expiresAt))) throw new PrincipalError("expires_at must be an RFC 3339 time");
    const { key, hash } = newApiKey();
    const record: StoredKey = {
      id,
      tenant: input.tenant,
      hash,
      source: "admin",
      createdAt: new Date().toISOString(),
      ...(input.expiresAt ? { expiresAt: input.expiresAt } : {}),
      revoked: false,
      tags: input.tags ?? {},
    };
    await this.store.put(record);
    await this.reload();
    return { info: toInfo(record), secret: key };
  }

  async revoke(id: string): Promise<KeyInfo> {
    const key = this.list().find((k) => k.id === id);
    if (!key) throw new PrincipalError(`no key with id ${JSON.stringify(id)}`, "not_found");
    const stored = this.stored.find((k) => k.id === id);
    const record: StoredKey = stored
      ? { ...stored, revoked: true }
      : { id, tenant: key.tenant, hash: "", source: "config", createdAt: new Date().toISOString(), revoked: true, tags: key.tags };
    await this.store.put(record);
    await this.reload();
    return { ...key, revoked: true };
  }

  list(tenant?: string): KeyInfo[] {
    const revoked = new Set(this.stored.filter((k) => k.revoked).map((k) => k.id));
    const fromConfig: KeyInfo[] = this.config.tenants.flatMap((t) =>
      t.keys.map((k) => ({ id: k.id, tenant: t.id, source: "config" as const, createdAt: "", expiresAt: k.expiresAt, revoked: revoked.has(k.id), tags: { ...k.tags } })),
    );
    const made = this.stored.filter((k) => k.source === "admin").map(toInfo);
    return [...fromConfig, ...made].filter((k) => tenant === undefined || tenant === "" || k.tenant === tenant);
  }

  private rebuild(): void {
    const ring = new KeyRing();
    const revoked = new Set(this.stored.filter((k) => k.revoked).map((k) => k.id));
    for (const tenant of this.config.tenants) {
      const mayUse = modelMatcher(tenant.models);
      for (const key of tenant.keys) if (!revoked.has(key.id)) ring.add(key.hash, keyGrant(tenant, key, mayUse));
      for (const made of this.stored) {
        if (made.source !== "admin" || made.revoked || made.tenant !== tenant.id) continue;
        ring.add(made.hash, keyGrant(tenant, { $typeName: "sluice.v1.ApiKeyConfig", id: made.id, hash: made.hash, expiresAt: made.expiresAt ?? "", tags: made.tags }, mayUse));
      }
    }
    this.ring = ring;
  }
}

function toInfo(k: StoredKey): KeyInfo {
  return { id: k.id, tenant: k.tenant, source: k.source, createdAt: k.createdAt, expiresAt: k.expiresAt ?? "", revoked: k.revoked, tags: k.tags };
}

/** A refused admin operation; `kind` picks the catalog code at the boundary. */
export class PrincipalError extends Error {
  constructor(
    message: string,
    readonly kind: "invalid" | "not_found" = "invalid",
  ) {
    super(message);
  }
}
