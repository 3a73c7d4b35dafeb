import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, it } from "vitest";
import type { SettingsSource } from "../../src/config";
import { createGroup, failure, post, roster } from "../helpers";

/** What a group's object holds: its tables (sqlite_master) and its database size in bytes. */
const stored = (groupId: string) =>
	runInDurableObject(env.GROUPS.getByName(groupId), (_, state) => ({
		tables: state.storage.sql
			.exec<{ name: string }>("SELECT name FROM sqlite_master")
			.toArray()
			.map((row) => row.name),
		bytes: state.storage.sql.databaseSize,
	}));

const unknownGroupCallbacks = (groupId: string) => [
	{ action: "AEC_GROUP_SYNC_ALL", groupId },
	{ action: "AEC_GROUP_ADD_USER", userId: "mallory", groupId, addUsers: "mallory" },
	{ action: "AEC_GROUP_ADD_USER_AND_SYNC_ALL", userId: "mallory", groupId, addUsers: "eve" },
	{ action: "AEC_GROUP_REMOVE_USER", userId: "mallory", groupId, removeUsers: "mallory" },
	{ action: "AEC_SET_GROUP_PUSH_IGNORE", userId: "mallory", groupId },
	{ action: "AEC_GROUP_DEL", userId: "mallory", groupId },
];

/** A namespace that counts the stubs the edge asks it for. */
function counting<T extends Rpc.DurableObjectBranded | undefined>(namespace: DurableObjectNamespace<T>) {
	const names: string[] = [];
	const counted = {
		getByName: (name: string) => {
			names.push(name);
			return namespace.getByName(name);
		},
	};
	return { names, namespace: counted as unknown as DurableObjectNamespace<T> };
}

describe("a group that was never created", () => {
	it("leaves no storage behind: a burst of callbacks for ids the counter has passed by writes no table and no row", async ({ expect }) => {
		const real = await createGroup("alice", ["alice", "bob"]);
		// Ids below GROUP_ID_START were never minted here, yet are below the counter's mark, so they reach a group object.
		const ids = Array.from({ length: 40 }, () => String(1 + Math.floor(Math.random() * 99_000)));
		const answers = await Promise.all(ids.flatMap((id) => unknownGroupCallbacks(id).map((fields) => post(fields))));
		expect(new Set(answers.map((a) => `${a.body} ${a.error}`))).toEqual(new Set([`${failure(47)} UNKNOWN_GROUP`]));
		const left = await Promise.all(ids.map(stored));
		console.log(JSON.stringify({ neverCreated: left[0], created: await stored(real) }));
		expect(left.filter((object) => object.tables.length > 0)).toEqual([]);
		// No larger than the object of a name nobody ever called (an empty database: one 4 KiB page locally).
		const untouched = await stored(String(10 ** 15 + 7));
		expect(untouched.tables).toEqual([]);
		expect(left.filter((object) => object.bytes !== untouched.bytes)).toEqual([]);
		// A created group's object does hold its tables, so the probe above can see them.
		expect((await stored(real)).tables).toEqual(expect.arrayContaining(["group_info", "members", "recent_callbacks"]));
	});

	it("above the counter's highest id, is refused without waking any group object, and the counter is asked rarely", async ({ expect }) => {
		await createGroup("alice", ["alice"]);
		const groups = counting(env.GROUPS);
		const counter = counting(env.GROUP_IDS);
		const watched: SettingsSource = { ...env, GROUPS: groups.namespace, GROUP_IDS: counter.namespace };
		const ids = Array.from({ length: 60 }, () => String(10 ** 15 + Math.floor(Math.random() * 10 ** 15)));
		const answers = await Promise.all(ids.map((groupId) => post({ action: "AEC_GROUP_SYNC_ALL", groupId }, { environment: watched })));
		expect(new Set(answers.map((a) => `${a.body} ${a.error}`))).toEqual(new Set([`${failure(47)} UNKNOWN_GROUP`]));
		expect(groups.names).toEqual([]);
		console.log(JSON.stringify({ callbacks: ids.length, counterAsked: counter.names.length }));
		expect(counter.names.length).toBeLessThanOrEqual(3);
	});

	it("a group created through another isolate is found: an id above the mark makes the isolate ask the counter again", async ({
		expect,
	}) => {
		const first = await createGroup("alice", ["alice"]);
		await post({ action: "AEC_GROUP_SYNC_ALL", groupId: String(Number(first) + 1) }); // the mark now stands at `first`
		// Created without this isolate's edge seeing it, as when another isolate served the create.
		const made = await env.GROUP_IDS.getByName("ids").createGroup({
			creator: "zoe",
			members: ["zoe", "yan"],
			userDefineData: "",
			createKey: "f".repeat(64),
			origin: "starrtc",
		});
		expect(made).toEqual({ ok: true, value: String(Number(first) + 1) });
		expect((await post({ action: "AEC_GROUP_SYNC_ALL", groupId: String(Number(first) + 1) })).body).toBe(roster("zoe,yan"));
	});
});
