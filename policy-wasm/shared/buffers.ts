// Moved to the SDK (../sdk/buffers.ts); this re-export keeps imports written against policy-wasm/shared/
// (branches started before the move) compiling. New code imports ../../sdk/buffers.
export * from "../sdk/buffers";
