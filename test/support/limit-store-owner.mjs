// A process that owns a MemoryLimitStore and answers IpcLimitStore calls over its IPC pipe, the
// way a cluster's primary does (src/app/cluster/primary.ts): the contract suite's far side of a
// real process boundary. Runs the built code (dist/; `npm run build` first, as `npm test` does).
// Its clock can be moved by the "clock.set" / "clock.advance" events (the suite's harness).
import { Channel } from "../../dist/src/app/cluster/channel.js";
import { LIMIT_STORE_METHODS, limitStoreHandler } from "../../dist/src/limits/ipc-store.js";
import { MemoryLimitStore } from "../../dist/src/limits/memory-store.js";

let offset = 0;
const store = new MemoryLimitStore({ now: () => Date.now() + offset });
const handler = limitStoreHandler(store);
const channel = new Channel(process);
for (const method of LIMIT_STORE_METHODS) channel.handle(`limits.${method}`, (args) => handler(method, args));
channel.on("clock.set", (ms) => (offset = ms));
channel.on("clock.advance", (ms) => (offset += ms));
process.on("disconnect", () => process.exit(0));
channel.emit("ready");
