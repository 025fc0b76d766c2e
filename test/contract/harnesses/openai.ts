import { startFakeOpenAI, type FakeOpenAI } from "../../support/fake-openai.js";
import { makeAdapter, type Harness } from "./harness.js";

let fake: FakeOpenAI;
const models = { echo: "echo", tools: "fixture:tool_calls", failing: "status:503", hanging: "hang" };

const harness: Harness = {
  name: "openai (fake upstream, recorded wire format)",
  async setup() {
    fake = await startFakeOpenAI();
  },
  async teardown() {
    await fake.close();
  },
  target(scenario) {
    return { adapter: makeAdapter({ id: "oai", kind: "openai", baseUrl: fake.url, apiKey: "sk-test" }), model: models[scenario] };
  },
};
export default harness;
