// The tokens module with host-function I/O: besides everything index.ts exports, three calls
// whose input is copied into module memory by the host in one step, and whose output the host
// copies out, instead of moving 8 bytes per Extism kernel call. The host must provide the
// `sluice:host` functions (the optional fast I/O named in proto/sluice/policy/v1/policy.proto),
// so this is a separate build (tokens-hostio.wasm); tokens.wasm stays loadable by any plain
// Extism host.
import { reserveInput } from "./buffers";
import { loadRanks } from "./ranks";
import { runBatch, lastOutput, lastOutputLength } from "./batch";
import { reportExtismError } from "./extism_io";
import { OK } from "./errors";

export * from "./index";

@external("sluice:host", "input_length")
declare function hostInputLength(): u32;
@external("sluice:host", "input_copy")
declare function hostInputCopy(dst: usize): void;
@external("sluice:host", "output_copy")
declare function hostOutputCopy(src: usize, len: u32): void;

function readHostInput(): usize {
  const len = hostInputLength();
  const buf = reserveInput(<usize>len);
  hostInputCopy(buf);
  return buf;
}

export function init_direct(): i32 {
  const len = hostInputLength();
  return reportExtismError(loadRanks(readHostInput(), <usize>len));
}

function directBatch(emitIds: bool): i32 {
  const len = hostInputLength();
  const code = runBatch(readHostInput(), <usize>len, emitIds);
  if (code != OK) return reportExtismError(code);
  hostOutputCopy(lastOutput(), <u32>lastOutputLength());
  return OK;
}

export function count_direct(): i32 { return directBatch(false); }
export function encode_direct(): i32 { return directBatch(true); }
