import { makeAdapter, type Harness } from "./harness.js";

const harness: Harness = {
  name: "mock",
  async setup() {},
  async teardown() {},
  target(scenario) {
    if (scenario === "failing") return { adapter: makeAdapter({ id: "m-fail", kind: "mock", mock: { fault: { status: 503 } } as never }), model: "mock-echo" };
    if (scenario === "hanging") return { adapter: makeAdapter({ id: "m-hang", kind: "mock", mock: { fault: { hang: true } } as never }), model: "mock-echo" };
    return { adapter: makeAdapter({ id: "m", kind: "mock" }), model: "mock-echo" };
  },
};
export default harness;
