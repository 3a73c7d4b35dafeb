import { describe, it } from "vitest";
import { DONE, createGroup, failure, post, roster, syncAll } from "../helpers";

// The shipped policy (docs/protocol.md "Policy"); test/policy-variants covers the variables.
describe("default policy", () => {
	it("adding needs the requester to be a member; adding a member again changes nothing and succeeds", async ({ expect }) => {
		const id = await createGroup("alice", ["alice", "bob"]);
		const outsider = await post({ action: "AEC_GROUP_ADD_USER", userId: "mallory", groupId: id, addUsers: "mallory" });
		expect([outsider.body, outsider.error]).toEqual([failure(49), "NOT_A_MEMBER"]);
		expect((await post({ action: "AEC_GROUP_ADD_USER", userId: "bob", groupId: id, addUsers: "alice,bob" })).body).toBe(DONE);
		expect(await syncAll(id)).toBe(roster("alice,bob"));
	});

	it("a member may remove themselves; only the creator removes others; nobody removes the creator", async ({ expect }) => {
		const id = await createGroup("alice", ["alice", "bob", "carol", "dave"]);
		const byMember = await post({ action: "AEC_GROUP_REMOVE_USER", userId: "bob", groupId: id, removeUsers: "carol" });
		expect([byMember.body, byMember.error]).toEqual([failure(53), "PERMISSION_DENIED"]);
		const selfAndOther = await post({ action: "AEC_GROUP_REMOVE_USER", userId: "bob", groupId: id, removeUsers: "bob,carol" });
		expect(selfAndOther.error).toBe("PERMISSION_DENIED");
		expect((await post({ action: "AEC_GROUP_REMOVE_USER", userId: "bob", groupId: id, removeUsers: "bob" })).body).toBe(DONE);
		const creator = await post({ action: "AEC_GROUP_REMOVE_USER", userId: "alice", groupId: id, removeUsers: "carol,alice" });
		expect([creator.body, creator.error]).toEqual([failure(53), "REMOVE_CREATOR"]);
		const creatorSelf = await post({ action: "AEC_GROUP_REMOVE_USER", userId: "alice", groupId: id, removeUsers: "alice" });
		expect(creatorSelf.error).toBe("REMOVE_CREATOR");
		// A refused remove took nobody with it.
		expect(await syncAll(id)).toBe(roster("alice,carol,dave"));
		expect((await post({ action: "AEC_GROUP_REMOVE_USER", userId: "alice", groupId: id, removeUsers: "carol" })).body).toBe(DONE);
		expect(await syncAll(id)).toBe(roster("alice,dave"));
	});

	it("removing a non-member changes nothing and succeeds; a non-member removing others is refused", async ({ expect }) => {
		const id = await createGroup("alice", ["alice", "bob", "carol"]);
		expect((await post({ action: "AEC_GROUP_REMOVE_USER", userId: "alice", groupId: id, removeUsers: "nobody,bob" })).body).toBe(DONE);
		expect((await post({ action: "AEC_GROUP_REMOVE_USER", userId: "ghost", groupId: id, removeUsers: "ghost" })).body).toBe(DONE);
		const outsider = await post({ action: "AEC_GROUP_REMOVE_USER", userId: "mallory", groupId: id, removeUsers: "carol" });
		expect([outsider.body, outsider.error]).toEqual([failure(53), "PERMISSION_DENIED"]);
		expect(await syncAll(id)).toBe(roster("alice,carol"));
	});

	it("DND needs membership, and setting it twice or clearing it when off changes nothing", async ({ expect }) => {
		const id = await createGroup("alice", ["alice", "bob"]);
		for (const action of ["AEC_SET_GROUP_PUSH_IGNORE", "AEC_UNSET_GROUP_PUSH_IGNORE_AND_SYNC_ALL"]) {
			const sent = await post({ action, userId: "mallory", groupId: id });
			expect([sent.body, sent.error], action).toEqual([failure(49), "NOT_A_MEMBER"]);
		}
		expect((await post({ action: "AEC_UNSET_GROUP_PUSH_IGNORE", userId: "bob", groupId: id })).body).toBe(DONE);
		await post({ action: "AEC_SET_GROUP_PUSH_IGNORE", userId: "bob", groupId: id });
		await post({ action: "AEC_SET_GROUP_PUSH_IGNORE", userId: "bob", groupId: id });
		expect(await syncAll(id)).toBe(roster("alice,bob", "bob"));
	});

	it("delete is the creator's right", async ({ expect }) => {
		const id = await createGroup("alice", ["alice", "bob"]);
		for (const userId of ["bob", "mallory"]) {
			const sent = await post({ action: "AEC_GROUP_DEL", userId, groupId: id });
			expect([sent.body, sent.error], userId).toEqual([failure(53), "PERMISSION_DENIED"]);
		}
		expect(await syncAll(id)).toBe(roster("alice,bob"));
	});
});
