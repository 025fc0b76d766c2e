// The default `router` module with one-copy I/O (router-hostio.wasm, the slot's default source
// `builtin:router-hostio`): the same rule as index.ts (cost_aware.ts), input and output through
// the `sluice:host` functions (runRouteHostIo, ../../sdk/router.ts). Trusted (main-thread) slots only; an untrusted slot
// runs router.wasm (`builtin:router`), which any Extism host loads.
//   Extism: abi_version(), route (input RouterRouteInput, output RouterRouteOutput)
import { runRouteHostIo } from "../../sdk/router";
import { costAwareOrder } from "./cost_aware";
import "../../sdk/abort"; // compiled in for `--use abort=...`

export function abi_version(): i32 { return 1; }

export function route(): i32 { return runRouteHostIo(costAwareOrder); }
