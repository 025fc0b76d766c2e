import type { KeyStore, StoredKey } from "../../limits/key-store.js";
import type { Channel } from "./channel.js";

/**
 * A worker's KeyStore without Redis: the primary owns `<data_dir>/keys.json` (one writer, so two
 * workers creating keys at once cannot overwrite each other's file) and, after every change,
 * tells every worker to reload, as Redis pub/sub does for replicas. See primary.ts ("keys.*").
 */
export class IpcKeyStore implements KeyStore {
  constructor(private readonly channel: Channel) {}

  async list(): Promise<StoredKey[]> {
    return (await this.channel.call("keys.list", [])) as StoredKey[];
  }

  async put(key: StoredKey): Promise<void> {
    await this.channel.call("keys.put", [key]);
  }

  onChange(listener: () => void): void {
    this.channel.on("keys.changed", listener);
  }

  async close(): Promise<void> {}
}
