import { env } from "cloudflare:workers";
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, it } from "vitest";
import type { GroupIdCounter, GroupObject, GroupRegistry, UserIndex } from "../../src/index";
import { createGroup, post } from "../helpers";

/** MAX_CALLBACK_AGE_SECONDS=0: no ts check and no replay records. */
const withoutReplayCache = { ...env, MAX_CALLBACK_AGE_SECONDS: "0" };

// Rows read and written per callback, from the SQL cursors' own counters: what
// Cloudflare bills for SQLite-backed objects. docs/performance.md "Cost per callback" comes from here.
interface Rows {
	read: number;
	written: number;
}
let cursors: SqlStorageCursor<Record<string, SqlStorageValue>>[] = [];
// The outbox's delivery runs in the object's alarm, which may fire while an action is
// under way; its statements are counted apart (see "delivery" below).
const DELIVERY =
	/^(SELECT seq, |SELECT payload FROM outbox|DELETE FROM outbox|SELECT 1 FROM outbox|INSERT OR REPLACE INTO starrtc_delivery|SELECT version FROM registry_acked|INSERT INTO registry_acked)/;

/** Counts the rows of every statement the object runs for a callback while `action` is under way. */
async function rowsFor(
	object:
		| string
		| DurableObjectStub<GroupObject>
		| DurableObjectStub<GroupIdCounter>
		| DurableObjectStub<UserIndex>
		| DurableObjectStub<GroupRegistry>,
	action: () => Promise<unknown>,
): Promise<Rows> {
	const stub: DurableObjectStub = typeof object === "string" ? env.GROUPS.getByName(object) : (object as unknown as DurableObjectStub);
	await runInDurableObject(stub, (_, state) => {
		const sql = state.storage.sql;
		if (Object.hasOwn(sql, "exec")) return; // already counting
		const exec = sql.exec.bind(sql);
		Object.defineProperty(sql, "exec", {
			configurable: true,
			value: (query: string, ...bindings: unknown[]) => {
				const cursor = exec(query, ...bindings);
				if (!DELIVERY.test(query)) cursors.push(cursor);
				return cursor;
			},
		});
	});
	cursors = [];
	await action();
	const rows = cursors.reduce((sum, c) => ({ read: sum.read + c.rowsRead, written: sum.written + c.rowsWritten }), { read: 0, written: 0 });
	cursors = [];
	return rows;
}

describe("rows per callback", () => {
	for (const size of [10, 10000]) {
		it(`a single-member change writes five rows (member, version, message, outbox, replay record) and reads at most three, in a group of ${size}`, async ({
			expect,
		}) => {
			const members = Array.from({ length: size }, (_, i) => `m${i}`);
			const id = await createGroup("m0", members);
			const table: Record<string, Rows> = {};
			table.SYNC_ALL = await rowsFor(id, () => post({ action: "AEC_GROUP_SYNC_ALL", groupId: id }));
			table.ADD_USER = await rowsFor(id, () => post({ action: "AEC_GROUP_ADD_USER", userId: "m0", groupId: id, addUsers: "newcomer" }));
			table.SET_PUSH_IGNORE = await rowsFor(id, () => post({ action: "AEC_SET_GROUP_PUSH_IGNORE", userId: "m1", groupId: id }));
			table.UNSET_PUSH_IGNORE = await rowsFor(id, () => post({ action: "AEC_UNSET_GROUP_PUSH_IGNORE", userId: "m1", groupId: id }));
			table.REMOVE_USER = await rowsFor(id, () =>
				post({ action: "AEC_GROUP_REMOVE_USER", userId: "m0", groupId: id, removeUsers: "newcomer" }),
			);
			table.ADD_USER_AND_SYNC_ALL = await rowsFor(id, () =>
				post({ action: "AEC_GROUP_ADD_USER_AND_SYNC_ALL", userId: "m0", groupId: id, addUsers: "late" }),
			);
			await post({ action: "AEC_SET_GROUP_PUSH_IGNORE", userId: "m3", groupId: id });
			// Repeats and no-ops: an add of a member, a remove of a non-member, DND as it already is.
			table.NO_CHANGE = await rowsFor(id, async () => {
				await post({ action: "AEC_GROUP_ADD_USER", userId: "m0", groupId: id, addUsers: "late" });
				await post({ action: "AEC_GROUP_REMOVE_USER", userId: "m0", groupId: id, removeUsers: "never-joined" });
				await post({ action: "AEC_UNSET_GROUP_PUSH_IGNORE", userId: "m2", groupId: id });
				// Not the exact data of the DND just before (within a second that would be a replay, which writes nothing).
				await post({ action: "AEC_SET_GROUP_PUSH_IGNORE", userId: "m3", groupId: id, again: "1" });
			});
			console.log(JSON.stringify({ size, table }));
			expect(table.SYNC_ALL).toEqual({ read: 0, written: 0 });
			// A change that changes nothing still records its data, so a replay of it stays void: one row each.
			expect(table.NO_CHANGE).toEqual({ read: 0, written: 4 });
			for (const action of ["ADD_USER", "SET_PUSH_IGNORE", "UNSET_PUSH_IGNORE", "REMOVE_USER", "ADD_USER_AND_SYNC_ALL"] as const) {
				expect(table[action]?.written, action).toBe(5);
				expect(table[action]?.read, action).toBeLessThanOrEqual(3);
			}
		});
	}

	it("with MAX_CALLBACK_AGE_SECONDS=0 (no replay cache) a change writes four rows and a no-op none", async ({ expect }) => {
		const id = await createGroup("m0", ["m0", "m1"]);
		const add = await rowsFor(id, () =>
			post({ action: "AEC_GROUP_ADD_USER", userId: "m0", groupId: id, addUsers: "newcomer" }, { environment: withoutReplayCache }),
		);
		const again = await rowsFor(id, () =>
			post({ action: "AEC_GROUP_ADD_USER", userId: "m0", groupId: id, addUsers: "newcomer" }, { environment: withoutReplayCache }),
		);
		expect([add.written, again.written]).toEqual([4, 0]);
	});

	it("an object that wakes reads its group once: its own row, each member's twice (the sort by join order), its version (twice)", async ({
		expect,
	}) => {
		const id = await createGroup("a", ["a", "b", "c", "d"]);
		await evictDurableObject(env.GROUPS.getByName(id));
		const wake = await rowsFor(id, () => post({ action: "AEC_GROUP_SYNC_ALL", groupId: id }));
		// The version is read twice: once by the group registry's outbox, to see whether the registry lags.
		expect(wake).toEqual({ read: 1 + 2 * 4 + 1 + 1, written: 0 });
	});

	it("a create writes five rows in the id counter, and one per member plus one in the group", async ({ expect }) => {
		await createGroup("warm", ["warm"]);
		const counter = await rowsFor(env.GROUP_IDS.getByName("ids"), () => createGroup("a", ["a", "b"]));
		console.log(JSON.stringify({ counter }));
		// Writes: the next id, the retry record and its age index, then "created" on that record.
		// Ten minutes later, pruning the record writes two more rows.
		expect(counter).toEqual({ read: 4, written: 5 });
		const id = await createGroup("a", ["a", "b", "c", "d", "e"]);
		await evictDurableObject(env.GROUPS.getByName(id));
		// Members and the group's own row, measured by re-reading what the create stored.
		const stored = await runInDurableObject(env.GROUPS.getByName(id), (_, state) => ({
			members: state.storage.sql.exec("SELECT count(*) AS n FROM members").one().n,
			info: state.storage.sql.exec("SELECT count(*) AS n FROM group_info").one().n,
		}));
		expect(stored).toEqual({ members: 5, info: 1 });
	});
});

describe("rows per delivered change (the user index)", () => {
	it("a shard applying one member's change writes its membership row (and its join-order index entry) and the group's row", async ({
		expect,
	}) => {
		const { Membership } = await import("../../src/user-index/membership");
		const shard = env.USER_INDEX.getByName("shard-cost");
		const delta = (version: number, state: 0 | 1 | 2) => ({
			groupId: "777001",
			version,
			at: version,
			name: "n",
			creator: "c",
			deleted: false,
			users: [["cost-u", state] as const],
		});
		await shard.apply([delta(1, Membership.In)]);
		const join = await rowsFor(shard, () => shard.apply([delta(2, Membership.In)]));
		const dnd = await rowsFor(shard, () => shard.apply([delta(3, Membership.InWithDnd)]));
		const leave = await rowsFor(shard, () => shard.apply([delta(4, Membership.Out)]));
		const repeat = await rowsFor(shard, () => shard.apply([delta(4, Membership.Out)]));
		console.log(JSON.stringify({ join, dnd, leave, repeat }));
		expect(join.written).toBe(2);
		expect(dnd.written).toBe(2);
		expect(leave.written).toBeLessThanOrEqual(2);
		expect(repeat.written).toBe(0);
	});
});

describe("rows per delivered change (the group registry)", () => {
	it("a shard applying a group's newer summary writes its one row; an equal one writes none", async ({ expect }) => {
		const shard = env.REGISTRY.getByName("registry-cost");
		const summary = (version: number, memberCount: number) => ({
			groupId: "777002",
			name: "n",
			creator: "c",
			createdAt: 0,
			memberCount,
			version,
			deleted: false,
		});
		const first = await rowsFor(shard, () => shard.apply([summary(1, 1)]));
		const change = await rowsFor(shard, () => shard.apply([summary(2, 2)]));
		const repeat = await rowsFor(shard, () => shard.apply([summary(2, 2)]));
		const deleted = await rowsFor(shard, () => shard.apply([{ ...summary(3, 0), deleted: true }]));
		console.log(JSON.stringify({ registry: { first, change, repeat, deleted } }));
		expect(change.written).toBe(1);
		expect(repeat.written).toBe(0);
	});
});
