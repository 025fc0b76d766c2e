// The `guard` policy module (ABI v1, proto/sluice/policy/v1/policy.proto), plain Extism I/O
// (guard.wasm, `builtin:guard`): loads in any Extism host and in an untrusted (worker) slot.
//   Extism:  abi_version(), check (input GuardCheckInput, output GuardCheckOutput)
//   raw WebAssembly (benchmark baseline and training, no Extism kernel calls):
//     raw_reserve(len) -> pointer to write the input at; raw_check(len) -> 0 or an error code,
//     raw_output_ptr(), raw_output_len();
//     raw_features(len): the input is one UTF-8 text; the output is, per view scored (0 as
//     written, 1 ROT13, 2 decoded runs, 3 sub-windows, 4 reversed, 5 Morse), u32 view id, u32 rule bits, u32 n, n u32 bucket ids
//     (policy-wasm/guard/train/ reads it: training sees exactly the features inference uses);
//     raw_normalized(len): the output is the first window as the normaliser leaves it (tests).
import { runCheck, scoreText } from "./check";
import { normalize, norm, normLen, WINDOW } from "./normalize";
import { output } from "../../sdk/wire";
import { input, readExtismInput, writeExtismOutput } from "../../sdk/extism";
import { OK, reportExtismError } from "./errors";
import { collected, setCollecting } from "./model";
import "../../sdk/abort"; // compiled in for `--use abort=../sdk/abort/policyAbort`

export function abi_version(): i32 { return 1; }

export function check(): i32 {
  const len = readExtismInput();
  const code = runCheck(input.ptr, len);
  if (code != OK) return reportExtismError(code);
  writeExtismOutput(output.ptr, output.len);
  return OK;
}

export function raw_reserve(len: u32): usize { return input.reserve(<usize>len); }
export function raw_check(len: u32): i32 { return runCheck(input.ptr, <i32>len); }
export function raw_output_ptr(): usize { return output.ptr; }
export function raw_output_len(): u32 { return <u32>output.len; }

export function raw_features(len: u32): i32 {
  collected.len = 0;
  setCollecting(true);
  scoreText(input.ptr, <i32>len);
  setCollecting(false);
  return rawOutput(collected.ptr, collected.len);
}

export function raw_normalized(len: u32): i32 {
  normalize(input.ptr, min(<i32>len, WINDOW));
  return rawOutput(changetype<usize>(norm), normLen);
}

/** The raw_* result: len bytes at ptr, copied to the output buffer. */
function rawOutput(ptr: usize, len: usize): i32 {
  output.len = 0;
  output.ensure(len);
  memory.copy(output.ptr, ptr, len);
  output.len = len;
  return OK;
}
