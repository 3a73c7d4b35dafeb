import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { MAX_GROUP_ID } from "../../src/protocol/ids";
import { appCall } from "../api/client";
import { failure, post, roster, syncAll } from "../helpers";

// One maximum for every id: whatever the counter mints or an import brings is an id every
// parser takes, and the counter refuses to go past it. Storage is per file: this file's counter
// ends at the maximum.
const MAX = String(MAX_GROUP_ID);
const ABOVE = "9007199254740992";

describe("the highest group id", () => {
	it("is 2^53 - 1, and one above it is no group id anywhere", async ({ expect }) => {
		expect(MAX).toBe("9007199254740991");
		const sync = await post({ action: "AEC_GROUP_SYNC_ALL", groupId: ABOVE });
		expect([sync.body, sync.error]).toEqual([failure(62), "MALFORMED_ARGUMENT"]);
		const put = await appCall("PUT", `/v1/groups/${ABOVE}`, { creator: "alice", members: ["bob"], createdAt: 0 });
		expect([put.status, put.json.error?.code]).toEqual([400, "BAD_REQUEST"]);
		expect((await appCall("GET", `/v1/groups/${ABOVE}`)).status).toBe(400);
	});

	it("can be imported, and is then a group like any other", async ({ expect }) => {
		const put = await appCall("PUT", `/v1/groups/${MAX}`, { creator: "alice", members: ["bob"], createdAt: 0 });
		expect([put.status, put.json.result]).toEqual([201, "created"]);
		expect(await syncAll(MAX)).toBe(roster("alice,bob"));
		expect((await post({ action: "AEC_GROUP_ADD_USER", userId: "alice", groupId: MAX, addUsers: "carol" })).body).toBe('{"status":"1"}');
		const read = await appCall("GET", `/v1/groups/${MAX}`);
		expect([read.status, read.json.memberCount]).toEqual([200, 3]);
	});

	it("is never passed: once it is taken, creates are refused with GROUP_IDS_EXHAUSTED and nothing is made", async ({ expect }) => {
		const callback = await post({ action: "AEC_GROUP_CREATE", userId: "alice", addUsers: "alice,bob", userDefineData: "late" });
		expect([callback.body, callback.error]).toEqual([failure(1), "GROUP_IDS_EXHAUSTED"]);
		const api = await appCall("POST", "/v1/groups", { creator: "alice", members: ["bob"], name: "late" });
		expect([api.status, api.json.error]).toEqual([503, { code: "GROUP_IDS_EXHAUSTED", message: `every group id up to ${MAX} is taken` }]);
		expect(await env.GROUP_IDS.getByName("ids").highestGroupId()).toBe(MAX_GROUP_ID);
		// The refused creates left no group behind under the next number.
		expect(await syncAll(ABOVE)).toBe(failure(62));
	});
});
