import { describe, it } from "vitest";
import { DONE, createGroup, post, roster, syncAll, unixNow } from "../helpers";

// Every group action's success answer, byte for byte as StarRTC parses it.
describe("group actions answer exactly as protocol.md shows", () => {
	it("AEC_GROUP_CREATE answers the new id as a JSON string", async ({ expect }) => {
		const sent = await post({
			ts: unixNow(),
			action: "AEC_GROUP_CREATE",
			userId: "alice",
			addUsers: "alice,bob,carol",
			userDefineData: "mygroup",
		});
		expect(sent.body).toMatch(/^\{"status":"1","data":"[1-9]\d*"\}$/);
		expect(sent.status).toBe(200);
	});

	it("AEC_GROUP_SYNC_ALL lists members in join order and leaves ignoreList out when nobody has DND on", async ({ expect }) => {
		const id = await createGroup("alice", ["alice", "bob", "carol"]);
		expect(await syncAll(id)).toBe('{"status":"1","data":{"groupList":"alice,bob,carol"}}');
	});

	it("AEC_GROUP_ADD_USER and AEC_GROUP_ADD_USER_AND_SYNC_ALL", async ({ expect }) => {
		const id = await createGroup("alice", ["alice", "bob"]);
		expect((await post({ action: "AEC_GROUP_ADD_USER", userId: "alice", groupId: id, addUsers: "dave" })).body).toBe(DONE);
		const both = await post({
			action: "AEC_GROUP_ADD_USER_AND_SYNC_ALL",
			userId: "bob",
			groupId: id,
			addUsers: "erin,frank",
			userDefineData: "x",
		});
		expect(both.body).toBe(roster("alice,bob,dave,erin,frank"));
	});

	it("AEC_GROUP_REMOVE_USER and AEC_GROUP_REMOVE_USER_AND_SYNC_ALL", async ({ expect }) => {
		const id = await createGroup("alice", ["alice", "bob", "carol", "dave"]);
		expect((await post({ action: "AEC_GROUP_REMOVE_USER", userId: "alice", groupId: id, removeUsers: "bob" })).body).toBe(DONE);
		const both = await post({ action: "AEC_GROUP_REMOVE_USER_AND_SYNC_ALL", userId: "alice", groupId: id, removeUsers: "dave" });
		expect(both.body).toBe(roster("alice,carol"));
	});

	it("DND set and unset, with and without the sync, show ignoreList only while someone has DND on", async ({ expect }) => {
		const id = await createGroup("alice", ["alice", "bob", "carol"]);
		expect((await post({ action: "AEC_SET_GROUP_PUSH_IGNORE", userId: "carol", groupId: id })).body).toBe(DONE);
		expect((await post({ action: "AEC_SET_GROUP_PUSH_IGNORE_AND_SYNC_ALL", userId: "alice", groupId: id })).body).toBe(
			roster("alice,bob,carol", "alice,carol"),
		);
		expect((await post({ action: "AEC_UNSET_GROUP_PUSH_IGNORE", userId: "alice", groupId: id })).body).toBe(DONE);
		expect((await post({ action: "AEC_UNSET_GROUP_PUSH_IGNORE_AND_SYNC_ALL", userId: "carol", groupId: id })).body).toBe(
			roster("alice,bob,carol"),
		);
	});

	it("a member removed with DND on leaves ignoreList too, even when the lists were built just before", async ({ expect }) => {
		const id = await createGroup("alice", ["alice", "bob", "carol"]);
		await post({ action: "AEC_SET_GROUP_PUSH_IGNORE", userId: "bob", groupId: id });
		expect(await syncAll(id)).toBe(roster("alice,bob,carol", "bob"));
		await post({ action: "AEC_GROUP_REMOVE_USER", userId: "alice", groupId: id, removeUsers: "bob" });
		expect(await syncAll(id)).toBe(roster("alice,carol"));
	});

	it("AEC_GROUP_DEL answers done", async ({ expect }) => {
		const id = await createGroup("alice", ["alice", "bob"]);
		expect((await post({ action: "AEC_GROUP_DEL", userId: "alice", groupId: id })).body).toBe(DONE);
	});

	it("AEC_ACCESS_VALIDATION echoes echostr unchanged", async ({ expect }) => {
		const sent = await post({ action: "AEC_ACCESS_VALIDATION", echostr: 'e7f0c3"\\é', timestamp: "1561096441", nonce: "93721" });
		expect(sent.body).toBe('{"status":"1","data":"e7f0c3\\"\\\\é"}');
	});

	it("a removed member who joins again goes to the end; DND survives other members' changes", async ({ expect }) => {
		const id = await createGroup("alice", ["alice", "bob", "carol"]);
		await post({ action: "AEC_SET_GROUP_PUSH_IGNORE", userId: "carol", groupId: id });
		await post({ action: "AEC_GROUP_REMOVE_USER", userId: "bob", groupId: id, removeUsers: "bob" });
		await post({ action: "AEC_GROUP_ADD_USER", userId: "alice", groupId: id, addUsers: "bob" });
		expect(await syncAll(id)).toBe(roster("alice,carol,bob", "carol"));
	});
});
