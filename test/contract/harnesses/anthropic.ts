import { startFakeAnthropic, type FakeAnthropic } from "../../support/fake-anthropic.js";
import { makeAdapter, type Harness } from "./harness.js";

let fake: FakeAnthropic;
// `failing` is Anthropic's 529 overloaded_error, which must stay retryable (upstream_unavailable).
const models = { echo: "echo", tools: "fixture:tool_use_response", failing: "status:529", hanging: "hang" };

const harness: Harness = {
  name: "anthropic (fake upstream, recorded wire format)",
  async setup() {
    fake = await startFakeAnthropic();
  },
  async teardown() {
    await fake.close();
  },
  target(scenario) {
    return { adapter: makeAdapter({ id: "claude", kind: "anthropic", baseUrl: fake.url, apiKey: "sk-ant-test" }), model: models[scenario] };
  },
};
export default harness;
