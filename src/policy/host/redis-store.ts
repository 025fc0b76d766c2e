// Versions in Redis, shared by every replica. Keys (prefix default "sluice:policy"):
//   <p>:<slot>:seq              INCR counter for version numbers
//   <p>:<slot>:versions         hash version -> PolicyVersion JSON
//   <p>:<slot>:wasm:<version>   the module bytes
//   <p>:<slot>:activations      list of Activation JSON, oldest first (the last is active)
// An activation is appended and published on <p>:activate; every replica's subscriber switches.
// A replica that starts later reads the last activation of each slot. Pub/sub is at-most-once (a
// replica whose subscriber was reconnecting misses the message), so every replica also re-reads
// the last activation of the slots it knows every `resyncMs` and re-announces it locally; the
// host ignores an activation it has already applied.
import type { Redis } from "ioredis";
import { sha256Hex, type Activation, type ActivationListener, type PolicyVersion, type VersionStore } from "./version-store.js";

export class RedisVersionStore implements VersionStore {
  private readonly listeners = new Set<ActivationListener>();
  private subscriber: Redis | null = null;
  private resyncTimer: NodeJS.Timeout | null = null;
  private readonly knownSlots = new Set<string>();

  private constructor(private readonly redis: Redis, private readonly prefix: string) {}

  /** Connects and subscribes to activations. */
  static async connect(url: string, options: { prefix?: string; resyncMs?: number } = {}): Promise<RedisVersionStore> {
    const prefix = options.prefix ?? "sluice:policy";
    // Loaded only when Redis is configured: the client library costs ~12 MB of RSS (bench/RESULTS.md, "Performance").
    const { Redis } = await import("ioredis");
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
    // An outage after start: ioredis reconnects by itself, the replica keeps serving its current
    // versions (resync catches up); without a listener every retry is an "Unhandled error event".
    redis.on("error", () => undefined);
    try {
      await redis.connect();
    } catch (err) {
      redis.disconnect(); // no reconnect loop left behind
      throw err;
    }
    const store = new RedisVersionStore(redis, prefix);
    const subscriber = redis.duplicate();
    subscriber.on("error", () => undefined);
    await subscriber.subscribe(`${prefix}:activate`);
    subscriber.on("message", (_channel: string, message: string) => store.deliver(message));
    store.subscriber = subscriber;
    store.resyncTimer = setInterval(() => void store.resync(), options.resyncMs ?? 5_000);
    store.resyncTimer.unref();
    return store;
  }

  /** Re-announces the last activation of every known slot (a no-op for a host already on it). */
  private async resync(): Promise<void> {
    for (const slot of this.knownSlots) {
      try {
        const last = (await this.activations(slot)).at(-1);
        if (last) for (const listener of this.listeners) listener(slot, last);
      } catch {
        // Redis unreachable: the replica keeps serving its current version and tries again.
      }
    }
  }

  private key(slot: string, ...rest: string[]): string { return [this.prefix, slot, ...rest].join(":"); }

  private deliver(message: string): void {
    let event: { slot: string; version: number; activatedAt: string };
    try {
      event = JSON.parse(message) as typeof event;
    } catch {
      return;
    }
    for (const listener of this.listeners) listener(event.slot, { version: event.version, activatedAt: event.activatedAt });
  }

  async put(slot: string, bytes: Uint8Array, note = ""): Promise<PolicyVersion> {
    const version = await this.redis.incr(this.key(slot, "seq"));
    const entry: PolicyVersion = { slot, version, sha256: sha256Hex(bytes), size: bytes.byteLength, createdAt: new Date().toISOString(), note };
    await this.redis.multi()
      .set(this.key(slot, "wasm", String(version)), Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
      .hset(this.key(slot, "versions"), String(version), JSON.stringify(entry))
      .exec();
    return entry;
  }

  async getBytes(slot: string, version: number): Promise<Uint8Array | null> {
    const buf = await this.redis.getBuffer(this.key(slot, "wasm", String(version)));
    return buf ? new Uint8Array(buf) : null;
  }

  async list(slot: string): Promise<PolicyVersion[]> {
    const all = await this.redis.hvals(this.key(slot, "versions"));
    return all.map((v) => JSON.parse(v) as PolicyVersion).sort((a, b) => a.version - b.version);
  }

  async activations(slot: string): Promise<Activation[]> {
    this.knownSlots.add(slot);
    return (await this.redis.lrange(this.key(slot, "activations"), 0, -1)).map((a) => JSON.parse(a) as Activation);
  }

  async activate(slot: string, version: number): Promise<Activation> {
    if (!(await this.redis.hexists(this.key(slot, "versions"), String(version)))) throw new Error(`policy ${slot}: no version ${version}`);
    const activation: Activation = { version, activatedAt: new Date().toISOString() };
    await this.redis.rpush(this.key(slot, "activations"), JSON.stringify(activation));
    await this.redis.publish(`${this.prefix}:activate`, JSON.stringify({ slot, ...activation }));
    return activation;
  }

  onActivate(listener: ActivationListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    this.subscriber?.disconnect();
    this.redis.disconnect();
  }
}
