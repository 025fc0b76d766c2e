import { bruteSpaceFactory } from "./brute-space.js";
import type { HnswOptions } from "./config.js";
import { hnswSpaceFactory } from "./hnsw-space.js";
import type { VectorSpaceFactory } from "./vector-space.js";

export function spaceFactory(kind: "hnsw" | "brute", hnsw: HnswOptions): VectorSpaceFactory {
  return kind === "hnsw" ? hnswSpaceFactory(hnsw) : bruteSpaceFactory;
}
