import { env } from "cloudflare:workers";
import { evictDurableObject } from "cloudflare:test";
import { describe, it } from "vitest";
import { appCall } from "../api/client";
import { createGroup, failStatements, failure, post, roster, syncAll, unixNow } from "../helpers";

/** Makes the group's object throw on the `nth` statement that matches `pattern`, from now on. */
const failOn = (groupId: string, pattern: RegExp, nth: number) => failStatements(env.GROUPS.getByName(groupId), pattern, { nth });

describe("a mutation that fails half way leaves no trace", () => {
	it("an add of three users that fails on the second insert adds nobody, in memory or in storage", async ({ expect }) => {
		const id = await createGroup("alice", ["alice", "bob"]);
		await failOn(id, /^INSERT INTO members/, 2);
		const sent = await post({ action: "AEC_GROUP_ADD_USER_AND_SYNC_ALL", userId: "alice", groupId: id, addUsers: "carol,dave,erin" });
		expect([sent.body, sent.error]).toEqual([failure(1), "INTERNAL_ERROR"]);
		expect(await syncAll(id)).toBe(roster("alice,bob"));
		await evictDurableObject(env.GROUPS.getByName(id));
		expect(await syncAll(id)).toBe(roster("alice,bob"));
		// And the group still takes the same change afterwards.
		expect(
			(await post({ action: "AEC_GROUP_ADD_USER_AND_SYNC_ALL", userId: "alice", groupId: id, addUsers: "carol,dave,erin" })).body,
		).toBe(roster("alice,bob,carol,dave,erin"));
	});

	it("a remove of two members that fails on the second delete removes nobody", async ({ expect }) => {
		const id = await createGroup("alice", ["alice", "bob", "carol", "dave"]);
		await post({ action: "AEC_SET_GROUP_PUSH_IGNORE", userId: "bob", groupId: id });
		await failOn(id, /^DELETE FROM members/, 2);
		const sent = await post({ action: "AEC_GROUP_REMOVE_USER", userId: "alice", groupId: id, removeUsers: "bob,carol" });
		expect(sent.error).toBe("INTERNAL_ERROR");
		await evictDurableObject(env.GROUPS.getByName(id));
		expect(await syncAll(id)).toBe(roster("alice,bob,carol,dave", "bob"));
	});

	it("a create whose group fails half way stores no group, and the resent create then makes it under the same id", async ({ expect }) => {
		// The next group object to be made will fail on its third member insert.
		// One data text, `ts` included: a resend is the same text, not a new create a second later.
		const data = JSON.stringify({
			ts: unixNow(),
			action: "AEC_GROUP_CREATE",
			userId: "zed",
			addUsers: "zed,yan,xi,wu",
			userDefineData: "half",
		});
		const probe = await createGroup("probe", ["probe"]);
		const next = String(Number(probe) + 1);
		await failOn(next, /^INSERT INTO members/, 3);
		const first = await post(data);
		expect([first.body, first.error]).toEqual([failure(1), "INTERNAL_ERROR"]);
		expect(await syncAll(next)).toBe(failure(47));
		await evictDurableObject(env.GROUPS.getByName(next));
		expect(await syncAll(next)).toBe(failure(47));
		const resent = await post(data);
		expect(resent.body).toBe(`{"status":"1","data":"${next}"}`);
		expect(await syncAll(next)).toBe(roster("zed,yan,xi,wu"));
	});

	it("after a create that failed half way, the same object (not evicted) takes an import of its id as a new group", async ({ expect }) => {
		const probe = await createGroup("probe", ["probe"]);
		const next = String(Number(probe) + 1);
		await failOn(next, /^INSERT INTO members/, 2);
		const first = await post({ action: "AEC_GROUP_CREATE", userId: "vic", addUsers: "vic,una,ted", userDefineData: "half again" });
		expect(first.error).toBe("INTERNAL_ERROR");
		// The rolled-back create took its tables with it: the object must not go on as if they were there.
		const body = { creator: "vic", members: ["vic", "una"], createdAt: "2025-01-01T00:00:00.000Z" };
		const put = await appCall("PUT", `/v1/groups/${next}`, body);
		expect([put.status, put.json]).toEqual([201, { groupId: next, result: "created", version: 1 }]);
		expect(await syncAll(next)).toBe(roster("vic,una"));
	});

	it("a delete that fails half way answers INTERNAL_ERROR and the group stays, in memory and in storage", async ({ expect }) => {
		const id = await createGroup("alice", ["alice", "bob"]);
		await failOn(id, /^DELETE FROM group_info/, 1);
		const sent = await post({ action: "AEC_GROUP_DEL", userId: "alice", groupId: id });
		expect([sent.body, sent.error]).toEqual([failure(1), "INTERNAL_ERROR"]);
		expect(await syncAll(id)).toBe(roster("alice,bob"));
		await evictDurableObject(env.GROUPS.getByName(id));
		expect(await syncAll(id)).toBe(roster("alice,bob"));
	});
});
