// Prompt versions and labels in Redis, shared by every replica. Keys (prefix "sluice:prompt"):
//   <p>:ids                     set of prompt ids
//   <p>:<id>:seq                INCR counter for version numbers
//   <p>:<id>:versions           hash version -> PromptVersion JSON (source included)
//   <p>:<id>:labels             set of label names
//   <p>:<id>:label:<label>      list of LabelAssignment JSON, oldest first (the last is current)
// Every change is published on <p>:changed with the prompt id; each replica's library drops what
// it cached for that prompt. Pub/sub is at-most-once, so the library also re-reads labels after a
// short time (PromptLibrary's `labelTtlMs`).
import type { Redis } from "ioredis";
import { SluiceError } from "../errors/sluice-error.js";
import { parsePromptFile } from "./template.js";
import type { ChangeListener, LabelAssignment, LabelTarget, PromptStore, PromptVersion } from "./store.js";
import { checkAssignment, newVersion, noPrompt } from "./store.js";

export class RedisPromptStore implements PromptStore {
  private readonly listeners = new Set<ChangeListener>();

  private constructor(private readonly redis: Redis, private readonly subscriber: Redis, private readonly prefix: string) {}

  /** Uses the gateway's Redis connection, and a second one (its duplicate) to hear changes. */
  static async connect(redis: Redis, prefix = "sluice:prompt"): Promise<RedisPromptStore> {
    // The gateway's client fails fast while disconnected (no offline queue); the subscriber may
    // wait for its connection, and ioredis subscribes it again after a reconnect.
    const subscriber = redis.duplicate({ enableOfflineQueue: true });
    subscriber.on("error", () => undefined); // ioredis reconnects; the library's re-read covers the gap
    const store = new RedisPromptStore(redis, subscriber, prefix);
    try {
      await subscriber.subscribe(`${prefix}:changed`);
    } catch {
      // Redis down at start: changes made elsewhere are seen when the library re-reads (refreshMs).
    }
    subscriber.on("message", (_channel: string, id: string) => store.announce(id));
    return store;
  }

  private key(id: string, ...rest: string[]): string { return [this.prefix, id, ...rest].join(":"); }

  private announce(id: string): void {
    for (const listener of this.listeners) listener(id);
  }

  private async changed(id: string): Promise<void> {
    await this.redis.publish(`${this.prefix}:changed`, id);
  }

  async push(source: string): Promise<PromptVersion> {
    const { id } = parsePromptFile(source);
    const entry = newVersion(source, await this.redis.incr(this.key(id, "seq")));
    await this.redis.multi()
      .hset(this.key(id, "versions"), String(entry.version), JSON.stringify(entry))
      .sadd(`${this.prefix}:ids`, id)
      .exec();
    await this.changed(id);
    return entry;
  }

  async versions(id: string): Promise<PromptVersion[]> {
    const all = await this.redis.hvals(this.key(id, "versions"));
    return all.map((v) => JSON.parse(v) as PromptVersion).sort((a, b) => a.version - b.version);
  }

  async ids(): Promise<string[]> { return (await this.redis.smembers(`${this.prefix}:ids`)).sort(); }

  async labels(id: string): Promise<Record<string, LabelAssignment[]>> {
    const names = await this.redis.smembers(this.key(id, "labels"));
    const out: Record<string, LabelAssignment[]> = {};
    for (const name of names.sort()) {
      out[name] = (await this.redis.lrange(this.key(id, "label", name), 0, -1)).map((a) => JSON.parse(a) as LabelAssignment);
    }
    return out;
  }

  async setLabel(id: string, label: string, targets: LabelTarget[]): Promise<LabelAssignment> {
    const known = await this.versions(id);
    if (known.length === 0) throw noPrompt(id);
    const assignment = checkAssignment(id, label, targets, known);
    await this.redis.multi()
      .sadd(this.key(id, "labels"), label)
      .rpush(this.key(id, "label", label), JSON.stringify(assignment))
      .exec();
    await this.changed(id);
    return assignment;
  }

  async rollback(id: string, label: string): Promise<LabelAssignment> {
    const key = this.key(id, "label", label);
    if ((await this.redis.llen(key)) < 2) throw new SluiceError("invalid_request", `label ${label} of ${id} has no earlier assignment to go back to`, { param: "label" });
    await this.redis.rpop(key);
    await this.changed(id);
    return JSON.parse((await this.redis.lindex(key, -1))!) as LabelAssignment;
  }

  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.subscriber.disconnect();
  }
}
