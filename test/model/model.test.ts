import fc from "fast-check";
import { describe, inject, it } from "vitest";
import { modelProperty, stats } from "./reference";

// `npm run test:long` raises the run count; MODEL_SEED and MODEL_PATH replay a failure.
describe("the service agrees with the reference model", () => {
	it("over random sequences of group actions (shipped policy)", { timeout: 60_000 + inject("modelRuns") * 1000 }, async () => {
		await fc.assert(modelProperty({ add: "member", remove: "creator", delete: "creator", maxMembers: 20000 }), {
			numRuns: inject("modelRuns"),
			seed: inject("modelSeed"),
			path: inject("modelPath"),
		});
		console.log(JSON.stringify({ ...stats, answers: Object.fromEntries(stats.answers) }));
	});
});
