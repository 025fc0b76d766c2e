/**
 * One cached answer: the complete ChatResponse (protobuf binary) plus what is needed to find it
 * again (its exact key, namespace, and the conversation's embedding when it is semantically
 * cacheable). Entries are the source of truth; a semantic index is rebuilt from them.
 */
export interface CacheEntry {
  /** The exact-cache key (also the entry's id in the semantic index). */
  key: string;
  tenant: string;
  namespace: string;
  createdAt: number;
  expiresAt: number;
  /** Which embedder made `vector` (an index built with another embedder ignores it). */
  embedder?: string;
  vector?: Float32Array;
  /** ChatResponse, protobuf binary. */
  response: Uint8Array;
}

const MAGIC = 0x53434531; // "SCE1"

interface Header {
  key: string;
  tenant: string;
  namespace: string;
  createdAt: number;
  expiresAt: number;
  embedder?: string;
}

/** magic | u32 header length | header JSON | u32 vector bytes | vector (f32 LE) | response */
export function encodeEntry(e: CacheEntry): Buffer {
  const header: Header = { key: e.key, tenant: e.tenant, namespace: e.namespace, createdAt: e.createdAt, expiresAt: e.expiresAt };
  if (e.embedder) header.embedder = e.embedder;
  const h = Buffer.from(JSON.stringify(header), "utf8");
  const vBytes = e.vector ? e.vector.length * 4 : 0;
  const buf = Buffer.alloc(12 + h.length + vBytes + e.response.length);
  buf.writeUInt32BE(MAGIC, 0);
  buf.writeUInt32BE(h.length, 4);
  h.copy(buf, 8);
  let off = 8 + h.length;
  buf.writeUInt32BE(vBytes, off);
  off += 4;
  if (e.vector) for (let i = 0; i < e.vector.length; i++, off += 4) buf.writeFloatLE(e.vector[i]!, off);
  Buffer.from(e.response.buffer, e.response.byteOffset, e.response.byteLength).copy(buf, off);
  return buf;
}

export function decodeEntry(buf: Uint8Array): CacheEntry {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 12 || b.readUInt32BE(0) !== MAGIC) throw new Error("not a cache entry");
  const hLen = b.readUInt32BE(4);
  const header = JSON.parse(b.subarray(8, 8 + hLen).toString("utf8")) as Header;
  let off = 8 + hLen;
  const vBytes = b.readUInt32BE(off);
  off += 4;
  if (vBytes % 4 !== 0 || off + vBytes > b.length) throw new Error("cache entry is truncated");
  const entry: CacheEntry = { ...header, response: new Uint8Array(b.subarray(off + vBytes)) };
  if (vBytes > 0) {
    const v = new Float32Array(vBytes / 4);
    for (let i = 0; i < v.length; i++) v[i] = b.readFloatLE(off + i * 4);
    entry.vector = v;
  }
  return entry;
}

/** Bytes an entry holds in memory (what the LRU budget counts). */
export function entryBytes(e: CacheEntry): number {
  return e.response.byteLength + (e.vector ? e.vector.byteLength : 0) + 2 * (e.key.length + e.namespace.length + e.tenant.length) + 64;
}
