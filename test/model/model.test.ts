import { describe, it } from "vitest";
import { checkAgainstModel, modelTimeout } from "./reference";

// `npm run test:long` raises the run count; MODEL_SEED and MODEL_PATH replay a failure.
describe("the service agrees with the reference model", () => {
	it("over random sequences of group actions (shipped policy)", { timeout: modelTimeout() }, async () => {
		await checkAgainstModel({ add: "member", remove: "creator", delete: "creator", maxMembers: 20000 });
	});
});
