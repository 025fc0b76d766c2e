// The default `router` rule with plain Extism I/O (router.wasm, `builtin:router`, ABI v1):
// cost-aware routing with health and latency guards; the rule is in cost_aware.ts. Loads in any
// Extism host and in an untrusted (worker) slot; the slot's default, for trusted slots, is the
// same rule with `sluice:host` I/O (hostio.ts, router-hostio.wasm).
//   Extism: abi_version(), route (input RouterRouteInput, output RouterRouteOutput)
//   raw WebAssembly (benchmark baseline, no Extism kernel calls on success): raw_reserve(len) ->
//   pointer to write the input at, raw_route(len) -> 0 or an error code, raw_output_ptr(),
//   raw_output_len(), as pii.wasm and tokens.wasm have.
import { runRoute, routeInput } from "../../sdk/router";
import { input } from "../../sdk/extism";
import { output } from "../../sdk/wire";
import { costAwareOrder } from "./cost_aware";
import "../../sdk/abort"; // compiled in for `--use abort=...`

export function abi_version(): i32 { return 1; }

export function route(): i32 { return runRoute(costAwareOrder); }

export function raw_reserve(len: u32): usize { return input.reserve(<usize>len); }
export function raw_route(len: u32): i32 { return routeInput(costAwareOrder, <i32>len); }
export function raw_output_ptr(): usize { return output.ptr; }
export function raw_output_len(): u32 { return <u32>output.len; }
