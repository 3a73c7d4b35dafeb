import { env } from "cloudflare:workers";
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, it } from "vitest";
import { CREATE_RETRY_WINDOW_MS } from "../../src/counter/group-id-counter";
import { DONE, failure, post, roster, syncAll, unixNow } from "../helpers";

const idOf = (body: string) => /^\{"status":"1","data":"(\d+)"\}$/.exec(body)?.[1];
// One ts for the whole file, so the same fields make the same data text, as a resend does.
const ts = unixNow();
const create = (extra: Record<string, string> = {}) =>
	post({ ts, action: "AEC_GROUP_CREATE", userId: "alice", addUsers: "alice,bob", userDefineData: "g", ...extra });

// Storage is reset per test file, so ids here start at GROUP_ID_START.
describe("group ids", () => {
	it("start at GROUP_ID_START and strictly increase", async ({ expect }) => {
		const ids: number[] = [];
		for (let i = 0; i < 5; i++) ids.push(Number(idOf((await create({ userDefineData: `g${i}` })).body)));
		expect(ids[0]).toBe(100000);
		expect(ids).toEqual([...ids].sort((a, b) => a - b));
		expect(new Set(ids).size).toBe(5);
	});

	it("are never reused, not even after a delete", async ({ expect }) => {
		const first = idOf((await create({ userDefineData: "to-delete" })).body) ?? "";
		expect((await post({ action: "AEC_GROUP_DEL", userId: "alice", groupId: first })).body).toBe(DONE);
		const next = idOf((await create({ userDefineData: "after-delete" })).body) ?? "";
		expect(Number(next)).toBeGreaterThan(Number(first));
	});

	it("are unique across many simultaneous creates", async ({ expect }) => {
		const bodies = await Promise.all(Array.from({ length: 100 }, (_, i) => create({ userDefineData: `parallel-${i}` })));
		const ids = bodies.map((b) => idOf(b.body));
		expect(ids.every(Boolean)).toBe(true);
		expect(new Set(ids).size).toBe(100);
	});
});

describe("retry-safe create", () => {
	it("the same data resent returns the same id and creates nothing new", async ({ expect }) => {
		const first = idOf((await create({ userDefineData: "resend-me" })).body);
		const again = idOf((await create({ userDefineData: "resend-me" })).body);
		expect(again).toBe(first);
		const after = idOf((await create({ userDefineData: "something-else" })).body);
		expect(Number(after)).toBe(Number(first) + 1);
	});

	it("resends arriving together all get the one id", async ({ expect }) => {
		const bodies = await Promise.all(Array.from({ length: 20 }, () => create({ userDefineData: "burst" })));
		expect(new Set(bodies.map((b) => idOf(b.body))).size).toBe(1);
	});

	it("a resend after the group was deleted gets its id back and does not revive the group", async ({ expect }) => {
		const id = idOf((await create({ userDefineData: "short-lived" })).body) ?? "";
		await post({ action: "AEC_GROUP_DEL", userId: "alice", groupId: id });
		expect(idOf((await create({ userDefineData: "short-lived" })).body)).toBe(id);
		expect(await syncAll(id)).toBe(failure(47));
	});

	it("a resend finishes a create that failed after its id was minted", async ({ expect }) => {
		const key = "0".repeat(64);
		// A create whose id was minted, but whose group call never completed.
		const minted = await runInDurableObject(env.GROUP_IDS.getByName("ids"), (_, state) => {
			const id = state.storage.sql.exec<{ value: number }>("UPDATE next_group_id SET value = value + 1 RETURNING value").one().value;
			state.storage.sql.exec(
				"INSERT INTO recent_creates (create_key, group_id, received_at) VALUES (?, ?, ?)",
				key,
				String(id),
				Date.now(),
			);
			return String(id);
		});
		const finished = await env.GROUP_IDS.getByName("ids").createGroup({
			creator: "alice",
			members: ["alice"],
			userDefineData: "",
			createKey: key,
			origin: "starrtc",
		});
		expect(finished).toEqual({ ok: true, value: minted });
		expect(await syncAll(minted)).toBe(roster("alice"));
	});

	it("after the 10-minute window the same data creates a new group", async ({ expect }) => {
		const first = idOf((await create({ userDefineData: "old" })).body);
		await runInDurableObject(env.GROUP_IDS.getByName("ids"), (_, state) => {
			state.storage.sql.exec("UPDATE recent_creates SET received_at = received_at - ?", CREATE_RETRY_WINDOW_MS + 1);
		});
		const second = idOf((await create({ userDefineData: "old" })).body);
		expect(Number(second)).toBeGreaterThan(Number(first));
	});

	it("a counter stored before fingerprints gets the column on waking, and its creates and resends work as before", async ({ expect }) => {
		const counter = env.GROUP_IDS.getByName("ids");
		await runInDurableObject(counter, (_, state) => {
			state.storage.sql.exec("DROP TABLE recent_creates");
			state.storage.sql.exec(
				"CREATE TABLE recent_creates (create_key TEXT PRIMARY KEY, group_id TEXT NOT NULL, received_at INTEGER NOT NULL, created INTEGER NOT NULL DEFAULT 0)",
			);
		});
		await evictDurableObject(counter);
		const first = idOf((await create({ userDefineData: "after-upgrade" })).body);
		expect(idOf((await create({ userDefineData: "after-upgrade" })).body)).toBe(first);
		const columns = await runInDurableObject(counter, (_, state) =>
			state.storage.sql.exec<{ name: string }>("SELECT name FROM pragma_table_info('recent_creates')").toArray(),
		);
		expect(columns.map((c) => c.name)).toContain("fingerprint");
	});
});
