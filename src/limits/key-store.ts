import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Redis } from "ioredis";

/**
 * Keys made or revoked through the admin API (config keys live in the config). Only hashes
 * are stored. A revoked config key is stored as a record with `source: "config"` and no hash.
 */
export interface StoredKey {
  id: string;
  tenant: string;
  /** "sha256:<hex>"; empty for a revocation marker of a config key. */
  hash: string;
  source: "admin" | "config";
  createdAt: string;
  expiresAt?: string;
  revoked: boolean;
  tags: Record<string, string>;
}

/** One interface, two implementations: a file in the data directory, or Redis (shared). */
export interface KeyStore {
  list(): Promise<StoredKey[]>;
  put(key: StoredKey): Promise<void>;
  /** Calls `listener` when another replica changed the keys (Redis); the file store is local. */
  onChange(listener: () => void): void;
  close(): Promise<void>;
}

/** `<data_dir>/keys.json`, rewritten atomically (temp file + rename) on every change. */
export class FileKeyStore implements KeyStore {
  constructor(private readonly path: string) {}

  async list(): Promise<StoredKey[]> {
    try {
      return JSON.parse(readFileSync(this.path, "utf8")) as StoredKey[];
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
  }

  async put(key: StoredKey): Promise<void> {
    const keys = (await this.list()).filter((k) => k.id !== key.id);
    keys.push(key);
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(keys, null, 1), { mode: 0o600 });
    renameSync(tmp, this.path);
  }

  onChange(): void {}

  async close(): Promise<void> {}
}

const HASH = "sluice:keys";
const CHANNEL = "sluice:keys:changed";

/** A Redis hash of keys; a publish after each change makes every replica reload. */
export class RedisKeyStore implements KeyStore {
  private subscriber: Redis | undefined;
  private readonly listeners: Array<() => void> = [];
  private waiting = false;

  constructor(private readonly redis: Redis) {}

  async list(): Promise<StoredKey[]> {
    const all = await this.redis.hgetall(HASH);
    return Object.values(all).map((v) => JSON.parse(v) as StoredKey);
  }

  async put(key: StoredKey): Promise<void> {
    await this.redis.hset(HASH, key.id, JSON.stringify(key));
    await this.redis.publish(CHANNEL, key.id);
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
    if (this.subscriber) return;
    // A subscribed connection can do nothing else: a second one, which reloads after any
    // reconnect too (a change may have been missed while it was away).
    this.subscriber = this.redis.duplicate({ enableOfflineQueue: true });
    this.subscriber.on("error", () => undefined);
    this.subscriber.on("message", () => this.notifyWhenReady());
    this.subscriber.on("ready", () => {
      this.subscriber!.subscribe(CHANNEL).catch(() => undefined);
      this.notifyWhenReady();
    });
  }

  /**
   * Tells the listeners once the connection `list` reads from is ready. After a Redis restart
   * the subscriber often reconnects first; the main connection (no offline queue) would refuse
   * the reload then, and a reconnect is not an error.
   */
  private notifyWhenReady(): void {
    if (this.redis.status === "ready") {
      this.listeners.forEach((l) => l());
      return;
    }
    if (this.waiting) return;
    this.waiting = true;
    this.redis.once("ready", () => {
      this.waiting = false;
      this.listeners.forEach((l) => l());
    });
  }

  async close(): Promise<void> {
    this.subscriber?.disconnect();
  }
}
