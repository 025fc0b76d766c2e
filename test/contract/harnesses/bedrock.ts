import { startFakeBedrock, type FakeBedrock } from "../../support/fake-bedrock.js";
import { makeAdapter, type Harness } from "./harness.js";

let fake: FakeBedrock;
const models = { echo: "echo", tools: "tool:get_weather", failing: "status:503", hanging: "hang" };

const harness: Harness = {
  name: "bedrock (fake Bedrock runtime, SigV4-checked, binary event streams)",
  async setup() {
    fake = await startFakeBedrock();
  },
  async teardown() {
    await fake.close();
  },
  target(scenario) {
    const adapter = makeAdapter({
      id: "bedrock",
      kind: "bedrock",
      baseUrl: fake.url,
      region: fake.region,
      aws: { accessKeyId: fake.credentials.accessKeyId, secretAccessKey: fake.credentials.secretAccessKey } as never,
    });
    return { adapter, model: models[scenario] };
  },
};
export default harness;
