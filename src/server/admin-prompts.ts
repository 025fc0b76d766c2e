import { create } from "@bufbuild/protobuf";
import { PromptLabelSchema, PromptVersionInfoSchema, type PromptLabel, type PromptVersionInfo } from "../gen/sluice/v1/admin_pb.js";
import { SluiceError } from "../errors/sluice-error.js";
import type { Gateway } from "../pipeline/gateway.js";
import type { LabelAssignment, PromptStore, PromptVersion } from "../prompts/index.js";

/** The admin API's view of prompt versions and labels (AdminService, the prompt RPCs). */
export function promptStore(gateway: Gateway): PromptStore {
  if (!gateway.prompts) throw new SluiceError("invalid_request", "this gateway keeps no prompt templates");
  return gateway.prompts.store;
}

export function promptVersionInfo(v: PromptVersion): PromptVersionInfo {
  return create(PromptVersionInfoSchema, { id: v.id, version: v.version, sha256: v.sha256, createdAt: v.createdAt });
}

/** Each label's current assignment, with how many assignments its history keeps. */
export function promptLabels(labels: Record<string, LabelAssignment[]>): PromptLabel[] {
  return Object.entries(labels)
    .filter(([, history]) => history.length > 0)
    .map(([name, history]) => create(PromptLabelSchema, { name, targets: history.at(-1)!.targets, setAt: history.at(-1)!.setAt, history: history.length }));
}
