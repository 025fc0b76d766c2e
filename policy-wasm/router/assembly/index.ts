// The default `router` rule with plain Extism I/O (router.wasm, `builtin:router`, ABI v1):
// cost-aware routing with health and latency guards; the rule is in cost_aware.ts. Loads in any
// Extism host and in an untrusted (worker) slot; the slot's default, for trusted slots, is the
// same rule with `sluice:host` I/O (hostio.ts, router-hostio.wasm).
//   Extism: abi_version(), route (input RouterRouteInput, output RouterRouteOutput)
import { runRoute } from "./table";
import { costAwareOrder } from "./cost_aware";
import "../../pii/assembly/abort"; // compiled in for `--use abort=...`

export function abi_version(): i32 { return 1; }

export function route(): i32 { return runRoute(costAwareOrder); }
