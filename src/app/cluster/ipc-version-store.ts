import type { Activation, ActivationListener, PolicyVersion, VersionStore } from "../../policy/index.js";
import type { Channel } from "./channel.js";

/**
 * A worker's policy VersionStore without Redis: the primary owns the versions under
 * `<data_dir>/policies` (one writer numbers versions, so two pushes through two workers cannot
 * both become version 3) and relays every activation to every worker, as Redis pub/sub does for
 * replicas. Module bytes cross the IPC pipe as base64 (its serialization is JSON).
 *
 * Like RedisVersionStore, it re-reads the last activation of the slots it knows every
 * `RESYNC_MS` and re-announces it (the host ignores one it already runs): a worker that could not
 * apply an activation when it arrived (its conformance check timed out on a loaded machine, seen
 * in tests) catches up instead of serving the old version until the next push.
 */
const RESYNC_MS = 5_000;

export class IpcVersionStore implements VersionStore {
  private readonly listeners = new Set<ActivationListener>();
  private readonly knownSlots = new Set<string>();
  private readonly resyncTimer: NodeJS.Timeout;

  constructor(private readonly channel: Channel) {
    this.resyncTimer = setInterval(() => void this.resync(), RESYNC_MS);
    this.resyncTimer.unref();
    channel.on("policy.activated", (data) => {
      const { slot, activation } = data as { slot: string; activation: Activation };
      for (const listener of this.listeners) listener(slot, activation);
    });
  }

  async put(slot: string, bytes: Uint8Array, note = ""): Promise<PolicyVersion> {
    return (await this.channel.call("policy.put", [slot, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64"), note])) as PolicyVersion;
  }

  async getBytes(slot: string, version: number): Promise<Uint8Array | null> {
    const base64 = (await this.channel.call("policy.getBytes", [slot, version])) as string | null;
    return base64 === null ? null : new Uint8Array(Buffer.from(base64, "base64"));
  }

  async list(slot: string): Promise<PolicyVersion[]> {
    return (await this.channel.call("policy.list", [slot])) as PolicyVersion[];
  }

  private async resync(): Promise<void> {
    for (const slot of this.knownSlots) {
      try {
        const last = (await this.activations(slot)).at(-1);
        if (last) for (const listener of this.listeners) listener(slot, last);
      } catch {
        // The primary is going away (drain): nothing to catch up with.
      }
    }
  }

  async activations(slot: string): Promise<Activation[]> {
    this.knownSlots.add(slot);
    return (await this.channel.call("policy.activations", [slot])) as Activation[];
  }

  async activate(slot: string, version: number): Promise<Activation> {
    return (await this.channel.call("policy.activate", [slot, version])) as Activation;
  }

  onActivate(listener: ActivationListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    clearInterval(this.resyncTimer);
    this.listeners.clear();
  }
}
