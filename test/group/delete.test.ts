import { env } from "cloudflare:workers";
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, it } from "vitest";
import { DONE, createGroup, drainOutbox, failure, post } from "../helpers";

describe("after a delete", () => {
	it("once its outbox is delivered only its version row (and the registry's) is left, and every later action answers UNKNOWN_GROUP, adds included", async ({
		expect,
	}) => {
		const id = await createGroup("alice", ["alice", "bob"]);
		expect((await post({ action: "AEC_GROUP_DEL", userId: "alice", groupId: id })).body).toBe(DONE);
		const stub = env.GROUPS.getByName(id);
		await drainOutbox(id);
		const rowsLeft = await runInDurableObject(stub, (_, state) => {
			const sql = state.storage.sql;
			const tables = sql
				.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\'")
				.toArray();
			return Object.fromEntries(tables.map(({ name }) => [name, sql.exec(`SELECT count(*) AS n FROM ${name}`).one().n]));
		});
		// The tombstone: what keeps the id from coming back through an import (without ?revive=true);
		// and the version the group registry acknowledged (the deletion), so it is not told again.
		expect(Object.entries(rowsLeft).filter(([, n]) => n !== 0)).toEqual([
			["group_version", 1],
			["registry_acked", 1],
		]);
		const later = [
			{ action: "AEC_GROUP_ADD_USER", userId: "alice", addUsers: "carol" },
			{ action: "AEC_GROUP_ADD_USER_AND_SYNC_ALL", userId: "alice", addUsers: "carol" },
			{ action: "AEC_GROUP_SYNC_ALL" },
			{ action: "AEC_SET_GROUP_PUSH_IGNORE", userId: "bob" },
			{ action: "AEC_GROUP_REMOVE_USER", userId: "alice", removeUsers: "bob" },
			{ action: "AEC_GROUP_DEL", userId: "alice" },
		];
		for (const fields of later) {
			expect((await post({ ...fields, groupId: id })).body, fields.action).toBe(failure(47));
		}
		// Also once the object has been evicted and wakes up again from (empty) storage.
		await evictDurableObject(stub);
		expect((await post({ action: "AEC_GROUP_ADD_USER", userId: "alice", groupId: id, addUsers: "carol" })).body).toBe(failure(47));
	});
});
