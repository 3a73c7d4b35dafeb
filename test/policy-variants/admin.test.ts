import { describe, it } from "vitest";
import { appCall as call } from "../api/client";

// This project runs with MAX_GROUP_MEMBERS=5 (vitest.config.ts): the app's changes meet the limit
// exactly, as the callbacks do (variables.test.ts).
const full = (message: string) => ({ status: 409, json: { error: { code: "GROUP_FULL", message } } });
const ids = (n: number) => Array.from({ length: n }, (_, i) => `lim-${i}`);

describe("the app's changes at MAX_GROUP_MEMBERS=5", () => {
	it("a create of 5 is taken, the creator listed among them counted once; 6 are GROUP_FULL", async ({ expect }) => {
		const five = await call("POST", "/v1/groups", { creator: "lim-0", members: ids(5) });
		expect([five.status, five.json.memberCount]).toEqual([201, 5]);
		expect(await call("POST", "/v1/groups", { creator: "lim-x", members: ids(5) })).toEqual(full("6 members; the limit is 5"));
	});

	it("an add list of 5 passes the API's own check, and the group refuses what would make it 6", async ({ expect }) => {
		const { json } = await call("POST", "/v1/groups", { creator: "lim-0", members: [] });
		const path = `/v1/groups/${json.groupId}/members`;
		expect(await call("POST", path, { userIds: ids(6) })).toEqual(full("6 ids; a group holds at most 5"));
		const five = await call("POST", path, { userIds: ids(5) });
		expect([five.status, five.json.memberCount]).toEqual([200, 5]);
		expect(await call("POST", path, { userIds: ["lim-new"] })).toEqual(full("5 + 1 members is over the limit 5"));
	});

	it("an import of 5 is taken; 6 are GROUP_FULL", async ({ expect }) => {
		const five = await call("PUT", "/v1/groups/9100", { creator: "lim-0", members: ids(5), createdAt: 0 });
		expect(five.status).toBe(201);
		expect(await call("PUT", "/v1/groups/9101", { creator: "lim-x", members: ids(5), createdAt: 0 })).toEqual(full("more than 5 members"));
	});
});
