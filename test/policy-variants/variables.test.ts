import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { appCall } from "../api/client";
import { DONE, createGroup, failure, post, roster, syncAll } from "../helpers";

// This project runs with ADD_PERMISSION=anyone, REMOVE_PERMISSION=member, DELETE_PERMISSION=member,
// MAX_GROUP_MEMBERS=5, GROUP_ID_START=7000 and EVENT_HISTORY_DAYS=0, without a webhook (vitest.config.ts).
describe("policy variables", () => {
	it("GROUP_ID_START sets the first id", async ({ expect }) => {
		expect(await createGroup("alice", ["alice"])).toBe("7000");
	});

	it("ADD_PERMISSION=anyone lets a non-member add", async ({ expect }) => {
		const id = await createGroup("alice", ["alice"]);
		expect((await post({ action: "AEC_GROUP_ADD_USER", userId: "outsider", groupId: id, addUsers: "bob" })).body).toBe(DONE);
		expect(await syncAll(id)).toBe(roster("alice,bob"));
	});

	it("REMOVE_PERMISSION=member lets any member remove others, still never the creator, and not a non-member", async ({ expect }) => {
		const id = await createGroup("alice", ["alice", "bob", "carol"]);
		expect((await post({ action: "AEC_GROUP_REMOVE_USER", userId: "bob", groupId: id, removeUsers: "carol" })).body).toBe(DONE);
		expect((await post({ action: "AEC_GROUP_REMOVE_USER", userId: "bob", groupId: id, removeUsers: "alice" })).error).toBe(
			"REMOVE_CREATOR",
		);
		const outsider = await post({ action: "AEC_GROUP_REMOVE_USER", userId: "zed", groupId: id, removeUsers: "bob" });
		expect([outsider.body, outsider.error]).toEqual([failure(49), "NOT_A_MEMBER"]);
		expect(await syncAll(id)).toBe(roster("alice,bob"));
	});

	it("DELETE_PERMISSION=member lets a member delete, not an outsider", async ({ expect }) => {
		const id = await createGroup("alice", ["alice", "bob"]);
		expect((await post({ action: "AEC_GROUP_DEL", userId: "zed", groupId: id })).error).toBe("NOT_A_MEMBER");
		expect((await post({ action: "AEC_GROUP_DEL", userId: "bob", groupId: id })).body).toBe(DONE);
		expect(await syncAll(id)).toBe(failure(47));
	});

	it("MAX_GROUP_MEMBERS bounds creates and adds, and a refused add changes nothing", async ({ expect }) => {
		const over = await post({ action: "AEC_GROUP_CREATE", userId: "a", addUsers: "a,b,c,d,e,f" });
		expect([over.body, over.error]).toEqual([failure(62), "GROUP_FULL"]);
		const id = await createGroup("a", ["a", "b", "c", "d"]);
		const tooMany = await post({ action: "AEC_GROUP_ADD_USER_AND_SYNC_ALL", userId: "a", groupId: id, addUsers: "e,f" });
		expect([tooMany.body, tooMany.error]).toEqual([failure(62), "GROUP_FULL"]);
		expect(await syncAll(id)).toBe(roster("a,b,c,d"));
		expect((await post({ action: "AEC_GROUP_ADD_USER_AND_SYNC_ALL", userId: "a", groupId: id, addUsers: "e,a,b" })).body).toBe(
			roster("a,b,c,d,e"),
		);
	});

	it("EVENT_HISTORY_DAYS=0 without a webhook: no message is written at all, and the version still counts each change", async ({
		expect,
	}) => {
		const id = await createGroup("alice", ["alice", "bob"]);
		expect((await post({ action: "AEC_GROUP_ADD_USER", userId: "alice", groupId: id, addUsers: "carol" })).body).toBe(DONE);
		const page = await appCall("GET", `/v1/groups/${id}/events`);
		expect([page.status, page.json]).toEqual([200, { groupId: id, version: 2, events: [] }]);
		const rows = await runInDurableObject(
			env.GROUPS.getByName(id),
			(_, state) => state.storage.sql.exec("SELECT count(*) AS n FROM events").one().n,
		);
		expect(rows).toBe(0);
	});
});
