// The tokens module with one-copy I/O: the same exports as index.ts (abi_version, init, count,
// encode, raw_*), but init / count / encode take their input from the `sluice:host` functions
// (the host writes the bytes straight into module memory) and hand the output back the same
// way, instead of moving 8 bytes per Extism kernel call. A separate build (tokens-hostio.wasm),
// because a module importing `sluice:host` only loads in a host that provides it; tokens.wasm
// stays loadable by any plain Extism host.
import { reserveInput } from "./buffers";
import { runInit, runCount } from "./request";
import { output } from "../../sdk/wire";
import { reportExtismError } from "./extism_io";
import { OK } from "./errors";
import { hostInputLength, hostInputCopy, hostOutputCopy } from "../../sdk/sluice_host";

export { abi_version, unicode_version, raw_reserve, raw_init, raw_count, raw_encode, raw_output_ptr, raw_output_len } from "./index";

function readHostInput(len: u32): usize {
  const buf = reserveInput(<usize>len);
  hostInputCopy(buf);
  return buf;
}

export function init(): i32 {
  const len = hostInputLength();
  return reportExtismError(runInit(readHostInput(len), <i32>len));
}

function directCount(emitIds: bool): i32 {
  const len = hostInputLength();
  const code = runCount(readHostInput(len), <i32>len, emitIds);
  if (code != OK) return reportExtismError(code);
  hostOutputCopy(output.ptr, <u32>output.len);
  return OK;
}

export function count(): i32 { return directCount(false); }
export function encode(): i32 { return directCount(true); }
