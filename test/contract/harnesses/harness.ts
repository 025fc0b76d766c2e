import { create } from "@bufbuild/protobuf";
import { ProviderConfigSchema, type ProviderConfig } from "../../../src/gen/sluice/v1/config_pb.js";
import type { ProviderAdapter } from "../../../src/core/provider.js";
import { createAdapter } from "../../../src/providers/registry.js";

/**
 * How the provider-adapter contract suite (test/contract/provider-adapter.test.ts) gets an
 * adapter for each scenario. One file per adapter in this folder, default-exporting a Harness;
 * the suite picks up every file here.
 *  - echo:    answers the last user message's text back as text (finish STOP, usage > 0)
 *  - tools:   given tools and tool_choice REQUIRED, calls `get_weather` with JSON arguments
 *  - failing: fails before any chunk with a retryable upstream error (upstream_unavailable)
 *  - hanging: never answers (the suite aborts the signal and expects `cancelled` promptly)
 */
export type Scenario = "echo" | "tools" | "failing" | "hanging";

export interface Harness {
  name: string;
  setup(): Promise<void>;
  teardown(): Promise<void>;
  target(scenario: Scenario): { adapter: ProviderAdapter; model: string };
}

const made: ProviderAdapter[] = [];

/** Creates an adapter through the registry (as the gateway does) and closes it after the suite. */
export function makeAdapter(init: Partial<Omit<ProviderConfig, "$typeName">>): ProviderAdapter {
  const adapter = createAdapter(create(ProviderConfigSchema, init as never));
  made.push(adapter);
  return adapter;
}

export async function closeAdapters(): Promise<void> {
  await Promise.all(made.splice(0).map((a) => a.close()));
}
