import { env } from "cloudflare:workers";
import { describe, it, vi } from "vitest";
import { DONE, createGroup, failStatements, failure, post, roster, syncAll, unixNow } from "../helpers";

// GUARD_TOKEN is set in these tests, so MAX_CALLBACK_AGE_SECONDS defaults to 300: a signed
// callback is refused when its ts is over 300 s from now, and an exact repeat of a mutating
// callback's data within that time is answered success without being applied again.
describe("a replayed callback", () => {
	it("an old ADD_USER resent after the user was removed, within the window, does not re-add them", async ({ expect }) => {
		const id = await createGroup("alice", ["alice", "bob"]);
		const add = { ts: unixNow(), action: "AEC_GROUP_ADD_USER", userId: "alice", groupId: id, addUsers: "carol" };
		expect((await post(add)).body).toBe(DONE);
		expect((await post({ action: "AEC_GROUP_REMOVE_USER", userId: "alice", groupId: id, removeUsers: "carol" })).body).toBe(DONE);
		const replayed = await post(add);
		expect([replayed.body, replayed.error]).toEqual([DONE, null]);
		expect(await syncAll(id)).toBe(roster("alice,bob"));
	});

	it("the same ADD_USER resent outside the window is refused as STALE_CALLBACK and changes nothing", async ({ expect }) => {
		const id = await createGroup("alice", ["alice", "bob"]);
		const add = { ts: String(Number(unixNow()) - 301), action: "AEC_GROUP_ADD_USER", userId: "alice", groupId: id, addUsers: "carol" };
		const replayed = await post(add);
		expect([replayed.body, replayed.error]).toEqual([failure(53), "STALE_CALLBACK"]);
		expect(await syncAll(id)).toBe(roster("alice,bob"));
	});

	it("the group keeps a record for its window and no longer: at its end the same data is void, a moment later it applies", async ({
		expect,
	}) => {
		// The edge's ts check bounds most resends; a ts in the future is what reaches the group's own window.
		const id = await createGroup("alice", ["alice"]);
		const group = env.GROUPS.getByName(id);
		const replay = { key: `window-${id}`, keepMs: 60_000 };
		const start = Date.now();
		vi.useFakeTimers({ toFake: ["Date"] });
		try {
			vi.setSystemTime(start);
			expect((await group.addMembers("alice", ["bob"], false, replay)).ok).toBe(true);
			expect((await group.removeMembers("alice", ["bob"], false)).ok).toBe(true);
			vi.setSystemTime(start + 60_000);
			expect((await group.addMembers("alice", ["bob"], false, replay)).ok).toBe(true);
			expect(await syncAll(id)).toBe(roster("alice"));
			vi.setSystemTime(start + 60_001);
			expect((await group.addMembers("alice", ["bob"], false, replay)).ok).toBe(true);
			expect(await syncAll(id)).toBe(roster("alice,bob"));
		} finally {
			vi.useRealTimers();
		}
	});

	it("a replayed *_AND_SYNC_ALL answers the current list, applying nothing", async ({ expect }) => {
		const id = await createGroup("alice", ["alice", "bob"]);
		const leave = { ts: unixNow(), action: "AEC_GROUP_REMOVE_USER_AND_SYNC_ALL", userId: "bob", groupId: id, removeUsers: "bob" };
		expect((await post(leave)).body).toBe(roster("alice"));
		expect((await post({ action: "AEC_GROUP_ADD_USER", userId: "alice", groupId: id, addUsers: "bob" })).body).toBe(DONE);
		expect((await post(leave)).body).toBe(roster("alice,bob"));
		const dnd = { ts: unixNow(), action: "AEC_SET_GROUP_PUSH_IGNORE", userId: "bob", groupId: id };
		await post(dnd);
		await post({ action: "AEC_UNSET_GROUP_PUSH_IGNORE", userId: "bob", groupId: id, nonce: "later" });
		expect((await post(dnd)).body).toBe(DONE);
		expect(await syncAll(id)).toBe(roster("alice,bob"));
	});

	it("repeated SYNC_ALL is never held back, and a refused callback leaves no record", async ({ expect }) => {
		const id = await createGroup("alice", ["alice", "bob"]);
		const sync = { ts: unixNow(), action: "AEC_GROUP_SYNC_ALL", groupId: id };
		expect((await post(sync)).body).toBe(roster("alice,bob"));
		await post({ action: "AEC_GROUP_ADD_USER", userId: "alice", groupId: id, addUsers: "carol" });
		expect((await post(sync)).body).toBe(roster("alice,bob,carol"));
		// Refused: dave is not a member yet. Once he is, the same data is applied.
		const byDave = { ts: unixNow(), action: "AEC_GROUP_ADD_USER", userId: "dave", groupId: id, addUsers: "erin" };
		expect((await post(byDave)).error).toBe("NOT_A_MEMBER");
		await post({ action: "AEC_GROUP_ADD_USER", userId: "alice", groupId: id, addUsers: "dave" });
		expect((await post(byDave)).body).toBe(DONE);
		expect(await syncAll(id)).toBe(roster("alice,bob,carol,dave,erin"));
	});

	it("the replay record is written in the change's own transaction: if it fails, the change is not made either", async ({ expect }) => {
		const id = await createGroup("alice", ["alice"]);
		await failStatements(env.GROUPS.getByName(id), /^INSERT OR REPLACE INTO recent_callbacks/);
		const sent = await post({ action: "AEC_GROUP_ADD_USER", userId: "alice", groupId: id, addUsers: "bob" });
		expect(sent.error).toBe("INTERNAL_ERROR");
		expect(await syncAll(id)).toBe(roster("alice"));
	});
});

// What makes a callback "the same": its exact data text (src/edge/groups.ts keys the replay cache
// by its digest). A user's real later action is a new callback with a later `ts`, so it applies even
// when every other field equals an earlier one's; only the same text again is a replay (see "an old
// ADD_USER resent after the user was removed" above).
describe("the replay rule: each data text applies once, every new one applies", () => {
	/** Unix seconds `back` seconds ago: each callback its own `ts`, all inside the window. */
	const secondsAgo = (back: number) => String(Number(unixNow()) - back);

	it("add → remove → add of the same user inside the window, each its own callback, ends with the user a member", async ({ expect }) => {
		const id = await createGroup("alice", ["alice", "bob"]);
		const fields = { action: "AEC_GROUP_ADD_USER", userId: "alice", groupId: id, addUsers: "carol" };
		expect((await post({ ts: secondsAgo(2), ...fields })).body).toBe(DONE);
		expect(
			(await post({ ts: secondsAgo(1), action: "AEC_GROUP_REMOVE_USER", userId: "alice", groupId: id, removeUsers: "carol" })).body,
		).toBe(DONE);
		expect(await syncAll(id)).toBe(roster("alice,bob"));
		expect((await post({ ts: secondsAgo(0), ...fields })).body).toBe(DONE);
		expect(await syncAll(id)).toBe(roster("alice,bob,carol"));
	});

	it("a real second remove after a re-add (the same fields as the first remove, a later ts) removes again", async ({ expect }) => {
		const id = await createGroup("alice", ["alice", "bob"]);
		const remove = { action: "AEC_GROUP_REMOVE_USER", userId: "alice", groupId: id, removeUsers: "bob" };
		expect((await post({ ts: secondsAgo(2), ...remove })).body).toBe(DONE);
		expect((await post({ ts: secondsAgo(1), action: "AEC_GROUP_ADD_USER", userId: "alice", groupId: id, addUsers: "bob" })).body).toBe(
			DONE,
		);
		expect(await syncAll(id)).toBe(roster("alice,bob"));
		expect((await post({ ts: secondsAgo(0), ...remove })).body).toBe(DONE);
		expect(await syncAll(id)).toBe(roster("alice"));
	});

	it("the first remove's exact data resent after the re-add is a replay: answered success, the user stays", async ({ expect }) => {
		const id = await createGroup("alice", ["alice", "bob"]);
		const remove = { ts: secondsAgo(1), action: "AEC_GROUP_REMOVE_USER", userId: "alice", groupId: id, removeUsers: "bob" };
		expect((await post(remove)).body).toBe(DONE);
		expect((await post({ ts: secondsAgo(0), action: "AEC_GROUP_ADD_USER", userId: "alice", groupId: id, addUsers: "bob" })).body).toBe(
			DONE,
		);
		const resent = await post(remove);
		expect([resent.body, resent.error]).toEqual([DONE, null]);
		expect(await syncAll(id)).toBe(roster("alice,bob"));
	});

	it("DND on → off → on by the member inside the window, each its own callback, ends with DND on", async ({ expect }) => {
		const id = await createGroup("alice", ["alice", "bob"]);
		const on = { action: "AEC_SET_GROUP_PUSH_IGNORE", userId: "bob", groupId: id };
		expect((await post({ ts: secondsAgo(2), ...on })).body).toBe(DONE);
		expect((await post({ ts: secondsAgo(1), action: "AEC_UNSET_GROUP_PUSH_IGNORE", userId: "bob", groupId: id })).body).toBe(DONE);
		expect(await syncAll(id)).toBe(roster("alice,bob"));
		expect((await post({ ts: secondsAgo(0), ...on })).body).toBe(DONE);
		expect(await syncAll(id)).toBe(roster("alice,bob", "bob"));
	});
});
