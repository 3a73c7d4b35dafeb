import { env } from "cloudflare:workers";
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, it } from "vitest";
import { Membership, type MembershipDelta, shardOf } from "../../src/user-index/membership";
import { createGroup, drainOutbox, failStatements, post } from "../helpers";

const SHARDS = Number(env.INDEX_SHARDS);
const shard = (userId: string) => env.USER_INDEX.getByName(shardOf(userId, SHARDS));

/** A user's group ids as the index holds them, in the order they joined. */
async function groupsOf(userId: string): Promise<string[]> {
	const page = await shard(userId).groupsOf(userId, 1000);
	if (!page.ok) throw new Error(page.reason);
	return page.value.items.map((g) => g.groupId);
}

describe("the user index follows every change once the outbox is delivered", () => {
	it("create, add, remove, DND and delete", async ({ expect }) => {
		const id = await createGroup("ix-alice", ["ix-alice", "ix-bob"], "Team");
		await drainOutbox(id);
		expect(await groupsOf("ix-alice")).toEqual([id]);
		expect(await groupsOf("ix-bob")).toEqual([id]);
		const page = await shard("ix-bob").groupsOf("ix-bob", 10);
		expect(page.ok && page.value.items[0]).toMatchObject({ groupId: id, name: "Team", creator: "ix-alice", doNotDisturb: false });

		await post({ action: "AEC_GROUP_ADD_USER", userId: "ix-alice", groupId: id, addUsers: "ix-carol" });
		await post({ action: "AEC_SET_GROUP_PUSH_IGNORE", userId: "ix-bob", groupId: id });
		await post({ action: "AEC_GROUP_REMOVE_USER", userId: "ix-alice", groupId: id, removeUsers: "ix-carol" });
		await drainOutbox(id);
		expect(await groupsOf("ix-carol")).toEqual([]);
		const bob = await shard("ix-bob").groupsOf("ix-bob", 10);
		expect(bob.ok && bob.value.items[0]?.doNotDisturb).toBe(true);

		await post({ action: "AEC_GROUP_DEL", userId: "ix-alice", groupId: id });
		await drainOutbox(id);
		expect(await groupsOf("ix-alice")).toEqual([]);
		expect(await groupsOf("ix-bob")).toEqual([]);
	});

	it("a callback does not wait for the index: the change is answered while its delta is still in the outbox", async ({ expect }) => {
		const id = await createGroup("ox-alice", ["ox-alice"]);
		await drainOutbox(id);
		// The index shard of ox-dave fails every write until it is repaired.
		await failStatements(shard("ox-dave"), /^INSERT INTO memberships/, { message: "index down" });
		const added = await post({ action: "AEC_GROUP_ADD_USER", userId: "ox-alice", groupId: id, addUsers: "ox-dave" });
		expect(added.body).toBe('{"status":"1"}');
		await runDurableObjectAlarm(env.GROUPS.getByName(id));
		const waiting = await runInDurableObject(
			env.GROUPS.getByName(id),
			(_, state) => state.storage.sql.exec("SELECT count(*) AS n FROM outbox").one().n,
		);
		expect(waiting).toBeGreaterThan(0);
		expect(await groupsOf("ox-dave")).toEqual([]);
		// Repaired (the object is evicted, its storage is intact): the kept row is delivered.
		await evictDurableObject(shard("ox-dave"));
		await drainOutbox(id);
		expect(await groupsOf("ox-dave")).toEqual([id]);
	});

	it("a repeated or late delta never undoes a newer change", async ({ expect }) => {
		const target = shard("late-erin");
		const delta = (version: number, state: Membership): MembershipDelta => ({
			groupId: "555001",
			version,
			at: 1000 + version,
			name: "n",
			creator: "c",
			deleted: false,
			users: [["late-erin", state]],
		});
		expect((await target.apply([delta(1, Membership.In), delta(2, Membership.Out)])).ok).toBe(true);
		// The add arrives again, late: erin stays out.
		expect((await target.apply([delta(1, Membership.In)])).ok).toBe(true);
		expect(await groupsOf("late-erin")).toEqual([]);
		expect((await target.apply([delta(3, Membership.InWithDnd), delta(3, Membership.InWithDnd)])).ok).toBe(true);
		expect(await groupsOf("late-erin")).toEqual(["555001"]);
	});

	it("a 20,000-member create reaches every member's shard", async ({ expect }) => {
		const members = Array.from({ length: 20000 }, (_, i) => `big${i}`);
		const id = await createGroup("big0", members, "Big");
		await drainOutbox(id);
		for (const user of ["big0", "big1", "big9999", "big19999"]) expect(await groupsOf(user), user).toEqual([id]);
		let total = 0;
		for (let n = 0; n < SHARDS; n++) {
			total += await runInDurableObject(
				env.USER_INDEX.getByName(`shard-${n}`),
				(_, state) =>
					state.storage.sql.exec("SELECT count(*) AS n FROM memberships WHERE group_id = ? AND member = 1", id).one().n as number,
			);
		}
		expect(total).toBe(20000);
	});

	it("a group made before the index existed tells the index everything when it wakes", async ({ expect }) => {
		const id = await createGroup("old-alice", ["old-alice", "old-bob"]);
		await drainOutbox(id);
		// As a group stored by the previous release: no version row, and the index never heard of it.
		await runInDurableObject(env.GROUPS.getByName(id), (_, state) => state.storage.sql.exec("DELETE FROM group_version"));
		await runInDurableObject(shard("old-bob"), (_, state) => state.storage.sql.exec("DELETE FROM memberships WHERE user_id = 'old-bob'"));
		expect(await groupsOf("old-bob")).toEqual([]);
		await evictDurableObject(env.GROUPS.getByName(id));
		await post({ action: "AEC_GROUP_SYNC_ALL", groupId: id });
		await drainOutbox(id);
		expect(await groupsOf("old-bob")).toEqual([id]);
	});
});

describe("a user's groups page by (join time, group id)", () => {
	// Deltas straight to the shard, so join times are chosen: two groups joined in the same millisecond, and one at 0.
	const joined = (groupId: string, at: number): MembershipDelta => ({
		groupId,
		version: 1,
		at,
		name: `n${groupId}`,
		creator: "c",
		deleted: false,
		users: [["pg-user", Membership.In]],
	});
	const pages = async (limit: number) => {
		const seen: string[][] = [];
		let after: string | undefined;
		do {
			const page = await shard("pg-user").groupsOf("pg-user", limit, after);
			if (!page.ok) throw new Error(page.reason);
			seen.push(page.value.items.map((g) => g.groupId));
			after = page.value.next;
		} while (after !== undefined && seen.length < 10);
		return seen;
	};

	it("every group once, in order, whatever the page size; the last page has no cursor", async ({ expect }) => {
		const applied = await shard("pg-user").apply([
			joined("700003", 0),
			joined("700001", 1234567),
			joined("700002", 1234567),
			joined("700004", 1234570),
		]);
		expect(applied.ok).toBe(true);
		expect(await pages(1)).toEqual([["700003"], ["700001"], ["700002"], ["700004"]]);
		expect(await pages(2)).toEqual([
			["700003", "700001"],
			["700002", "700004"],
		]);
		expect(await pages(4)).toEqual([["700003", "700001", "700002", "700004"]]);
		const first = await shard("pg-user").groupsOf("pg-user", 2);
		expect(first.ok && first.value.next).toBe("1234567.700001");
	});
});

describe("a shard whose storage fails answers INTERNAL_ERROR with the cause, and keeps nothing of the call", () => {
	it("apply and groupsOf", async ({ expect }) => {
		const target = shard("broken-fay");
		const delta: MembershipDelta = {
			groupId: "700100",
			version: 1,
			at: 5,
			name: "n",
			creator: "c",
			deleted: false,
			users: [["broken-fay", Membership.In]],
		};
		await failStatements(target, /^\s*(INSERT INTO memberships|SELECT m\.group_id)/, { message: "disk gone" });
		expect(await target.apply([delta])).toEqual({ ok: false, code: "INTERNAL_ERROR", reason: "user index: Error: disk gone" });
		expect(await target.groupsOf("broken-fay", 10)).toEqual({ ok: false, code: "INTERNAL_ERROR", reason: "user index: Error: disk gone" });
		await evictDurableObject(target);
		// The group row written before the failing membership row was rolled back with it.
		const kept = await runInDurableObject(
			target,
			(_, state) => state.storage.sql.exec("SELECT count(*) AS n FROM groups WHERE group_id = '700100'").one().n,
		);
		expect(kept).toBe(0);
		expect(await groupsOf("broken-fay")).toEqual([]);
	});
});
