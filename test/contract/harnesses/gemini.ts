import { startFakeGemini, type FakeGemini } from "../../support/fake-gemini.js";
import { makeAdapter, type Harness } from "./harness.js";

let fake: FakeGemini;
const models = { echo: "echo", tools: "fixture:sluice_get_weather", failing: "status:503", hanging: "hang" };

const harness: Harness = {
  name: "gemini (fake upstream, recorded wire format)",
  async setup() {
    fake = await startFakeGemini();
  },
  async teardown() {
    await fake.close();
  },
  target(scenario) {
    return { adapter: makeAdapter({ id: "gem", kind: "gemini", baseUrl: fake.url, apiKey: "gm-test" }), model: models[scenario] };
  },
};
export default harness;
