import { describe, it } from "vitest";
import { appCall } from "./client";

// The app's changes with the shipped settings; with StarRTC's proxy see test/starrtc/admin.test.ts.
describe("the app's changes without STARRTC_PROXY_URL", () => {
	it('answer starrtc "off": nobody is told, nothing waits', async ({ expect }) => {
		const created = await appCall("POST", "/v1/groups", { creator: "off-alice", members: ["off-bob"] });
		expect(created).toMatchObject({ status: 201, json: { memberCount: 2, version: 1, starrtc: "off" } });
		const added = await appCall("POST", `/v1/groups/${created.json.groupId}/members`, { userIds: ["off-carol"] });
		expect(added).toMatchObject({ status: 200, json: { memberCount: 3, version: 2, starrtc: "off" } });
	});
});

describe("POST /v1/groups with an Idempotency-Key", () => {
	const reused = {
		status: 422,
		json: {
			error: {
				code: "IDEMPOTENCY_KEY_REUSED",
				message: "this Idempotency-Key came within 10 minutes with another creator, members or name; a new create needs a new key",
			},
		},
	};

	it("the same key with another creator, members or name is 422 IDEMPOTENCY_KEY_REUSED and makes nothing; the same content is the same group", async ({
		expect,
	}) => {
		const key = { "Idempotency-Key": "ik-course-1" };
		const body = { creator: "ik-alice", members: ["ik-bob"], name: "Course 1" };
		const first = await appCall("POST", "/v1/groups", body, key);
		expect(first.status).toBe(201);
		for (const other of [
			{ ...body, creator: "ik-bob" },
			{ ...body, members: ["ik-carol"] },
			{ ...body, members: [] },
			{ ...body, name: "Course 2" },
		]) {
			expect(await appCall("POST", "/v1/groups", other, key), JSON.stringify(other)).toEqual(reused);
		}
		// The same content, also as written otherwise (the creator listed first): the same group, answered as before.
		expect(await appCall("POST", "/v1/groups", body, key)).toEqual(first);
		expect(await appCall("POST", "/v1/groups", { ...body, members: ["ik-alice", "ik-bob", "ik-bob"] }, key)).toEqual(first);
		// Nothing was made for the refused ones: the next group's id follows the first's.
		const next = await appCall("POST", "/v1/groups", body, { "Idempotency-Key": "ik-course-2" });
		expect(Number(next.json.groupId)).toBe(Number(first.json.groupId) + 1);
	});

	it("two creates with one key and different content at once: one group, and the other is refused", async ({ expect }) => {
		const key = { "Idempotency-Key": "ik-race" };
		const answers = await Promise.all(["ik-r1", "ik-r2"].map((creator) => appCall("POST", "/v1/groups", { creator }, key)));
		expect(answers.map((a) => a.status).sort()).toEqual([201, 422]);
	});
});
