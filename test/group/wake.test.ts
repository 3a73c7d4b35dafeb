import { env } from "cloudflare:workers";
import { evictDurableObject } from "cloudflare:test";
import { describe, it } from "vitest";
import { DONE, createGroup, post, roster, syncAll } from "../helpers";

// An object keeps its group in memory; these read it back from storage after an eviction,
// where join order comes only from what each write stored.
const evict = (groupId: string) => evictDurableObject(env.GROUPS.getByName(groupId));
const add = (groupId: string, addUsers: string) => post({ action: "AEC_GROUP_ADD_USER", userId: "a", groupId, addUsers });

describe("a group woken from storage", () => {
	it("keeps join order across adds of one and of many, a rejoin, and DND", async ({ expect }) => {
		const id = await createGroup("a", ["a", "b"]);
		expect((await add(id, "c,d")).body).toBe(DONE);
		expect((await add(id, "e")).body).toBe(DONE);
		await post({ action: "AEC_GROUP_REMOVE_USER", userId: "b", groupId: id, removeUsers: "b" });
		expect((await add(id, "b")).body).toBe(DONE);
		await post({ action: "AEC_SET_GROUP_PUSH_IGNORE", userId: "b", groupId: id });
		await post({ action: "AEC_SET_GROUP_PUSH_IGNORE", userId: "c", groupId: id });
		const before = await syncAll(id);
		expect(before).toBe(roster("a,c,d,e,b", "c,b"));
		await evict(id);
		expect(await syncAll(id)).toBe(before);
	});

	it("adds after a wake go last, also when the last joiner has left", async ({ expect }) => {
		const id = await createGroup("a", ["a", "b", "c"]);
		await evict(id);
		expect((await add(id, "d,e")).body).toBe(DONE);
		await post({ action: "AEC_GROUP_REMOVE_USER", userId: "a", groupId: id, removeUsers: "e" });
		await evict(id);
		expect((await add(id, "f")).body).toBe(DONE);
		await evict(id);
		expect(await syncAll(id)).toBe(roster("a,b,c,d,f"));
	});

	it("keeps the creator's rights and DND state", async ({ expect }) => {
		const id = await createGroup("a", ["a", "b"]);
		await post({ action: "AEC_SET_GROUP_PUSH_IGNORE", userId: "b", groupId: id });
		await evict(id);
		expect((await post({ action: "AEC_GROUP_REMOVE_USER", userId: "b", groupId: id, removeUsers: "a" })).error).toBe("REMOVE_CREATOR");
		expect((await post({ action: "AEC_GROUP_DEL", userId: "b", groupId: id })).error).toBe("PERMISSION_DENIED");
		expect((await post({ action: "AEC_SET_GROUP_PUSH_IGNORE_AND_SYNC_ALL", userId: "b", groupId: id })).body).toBe(roster("a,b", "b"));
		await evict(id);
		expect((await post({ action: "AEC_UNSET_GROUP_PUSH_IGNORE_AND_SYNC_ALL", userId: "b", groupId: id })).body).toBe(roster("a,b"));
		await evict(id);
		expect(await syncAll(id)).toBe(roster("a,b"));
	});

	it("a woken id counter goes on from where it was", async ({ expect }) => {
		const first = Number(await createGroup("a", ["a"]));
		await evictDurableObject(env.GROUP_IDS.getByName("ids"));
		expect(Number(await createGroup("a", ["a"]))).toBe(first + 1);
	});
});
