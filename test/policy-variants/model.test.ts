import fc from "fast-check";
import { describe, inject, it } from "vitest";
import { modelProperty } from "../model/reference";

describe("the service agrees with the reference model", () => {
	it("over random sequences of group actions (every policy variable changed, MAX_GROUP_MEMBERS=5)", { timeout: 60_000 + inject("modelRuns") * 1000 }, async () => {
		await fc.assert(modelProperty({ add: "anyone", remove: "member", delete: "member", maxMembers: 5 }), {
			numRuns: inject("modelRuns"),
			seed: inject("modelSeed"),
			path: inject("modelPath"),
		});
	});
});
