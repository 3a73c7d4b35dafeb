import { describe, it } from "vitest";
import { checkAgainstModel, modelTimeout } from "../model/reference";

describe("the service agrees with the reference model", () => {
	it("over random sequences of group actions (every policy variable changed, MAX_GROUP_MEMBERS=5)", {
		timeout: modelTimeout(),
	}, async () => {
		await checkAgainstModel({ add: "anyone", remove: "member", delete: "member", maxMembers: 5 });
	});
});
