import { startFakeAzure, type FakeAzure } from "../../support/fake-azure.js";
import { makeAdapter, type Harness } from "./harness.js";

let fake: FakeAzure;
// Deployment names; the fake forwards all four to the fake OpenAI upstream behind it.
const models = { echo: "echo", tools: "fixture:tool_calls", failing: "status:503", hanging: "hang" };

const harness: Harness = {
  name: "azure-openai (fake Azure resource, deployment URLs and api-key)",
  async setup() {
    fake = await startFakeAzure();
  },
  async teardown() {
    await fake.close();
  },
  target(scenario) {
    return { adapter: makeAdapter({ id: "azure", kind: "azure-openai", baseUrl: fake.url, apiKey: fake.apiKey }), model: models[scenario] };
  },
};
export default harness;
