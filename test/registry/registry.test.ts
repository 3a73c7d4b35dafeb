import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { listGroups } from "../../src/registry/listing";
import { registryShardOf } from "../../src/registry/summary";
import { appCall, appCreate, asApp, asUser, errorCode, read } from "../api/client";
import { createGroup, drainOutbox, failStatements, loggedLines, post, until } from "../helpers";

const SHARDS = Number(env.REGISTRY_SHARDS);
const shards = () => Array.from({ length: SHARDS }, (_, n) => env.REGISTRY.getByName(`registry-${n}`));
const shardOf = (groupId: string) => env.REGISTRY.getByName(registryShardOf(groupId, SHARDS));

interface Listed {
	groupId: string;
	name: string;
	creator: string;
	createdAt: string;
	memberCount: number;
	version: number;
}
interface ListPage {
	groups: Listed[];
	next?: string;
}

async function page(query = ""): Promise<ListPage> {
	const answer = await read(`/v1/groups${query}`, asApp);
	if (answer.status !== 200) throw new Error(`GET /v1/groups${query}: ${answer.text}`);
	return answer.json as ListPage;
}

/** Every page of the listing, `limit` at a time; `between` runs after each page, given what was listed so far. */
async function listAll(limit: number, between: (seen: string[]) => Promise<void> = async () => {}): Promise<Listed[]> {
	const seen: Listed[] = [];
	let cursor: string | undefined;
	for (;;) {
		const next = await page(`?limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`);
		expect(next.groups.length).toBeLessThanOrEqual(limit);
		seen.push(...next.groups);
		if (!next.next) return seen;
		cursor = next.next;
		await between(idsOf(seen));
	}
}
const idsOf = (groups: Listed[]) => groups.map((g) => g.groupId);
const put = (groupId: string, body: unknown, query = "") => appCall("PUT", `/v1/groups/${groupId}${query}`, body);
const imported = (creator: string) => ({ creator, members: [creator], createdAt: "2024-01-01T00:00:00.000Z" });
const remove = (groupId: string) => appCall("DELETE", `/v1/groups/${groupId}`);

/** A group as an earlier release left it: no join times, no registry table, and no row in the registry. */
async function makeOld(groupId: string): Promise<void> {
	await runInDurableObject(env.GROUPS.getByName(groupId), (_, state) => {
		state.storage.sql.exec("DROP TABLE registry_acked");
		state.storage.sql.exec("ALTER TABLE members DROP COLUMN joined_at");
	});
	await runInDurableObject(shardOf(groupId), (_, state) => {
		state.storage.sql.exec("DELETE FROM groups WHERE group_id = ?", Number(groupId));
	});
	await evictDurableObject(env.GROUPS.getByName(groupId));
}

describe("GET /v1/groups", () => {
	it("lists every group once, in numeric id order across ids of every length, with its summary", async ({ expect }) => {
		const ids = ["7", "99", "1000", "99999"];
		for (const id of ids) expect((await put(id, imported(`ls-${id}`))).status).toBe(201);
		const made = [await appCreate("ls-a", ["ls-a", "ls-b"], "made"), await createGroup("ls-c", ["ls-c"])];
		expect((await put("12345678901", imported("ls-big"))).status).toBe(201);
		const all = [...ids, ...made, "12345678901"];
		await Promise.all(all.map(drainOutbox));
		// The shards hold them between them: the listing merges them.
		expect(new Set(all.map((id) => registryShardOf(id, SHARDS))).size).toBeGreaterThan(1);
		const listed = (await listAll(2)).filter((g) => all.includes(g.groupId));
		expect(idsOf(listed)).toEqual(all.toSorted((a, b) => Number(a) - Number(b)));
		expect(idsOf(listed)).not.toEqual(all.toSorted());
		const info = (await read(`/v1/groups/${made[0]}`, asApp)).json as Listed;
		expect(listed.find((g) => g.groupId === made[0])).toEqual({
			groupId: made[0],
			name: "made",
			creator: "ls-a",
			createdAt: info.createdAt,
			memberCount: 2,
			version: 1,
		});
	});

	it("pages while groups are made and deleted: none twice, none missing, the deleted gone once deleted", async ({ expect }) => {
		const before = await Promise.all(Array.from({ length: 9 }, (_, i) => appCreate(`pg-${i}`, [`pg-${i}`])));
		await Promise.all(before.map(drainOutbox));
		const deleted: string[] = [];
		const deletedUnseen: string[] = [];
		const madeDuring: string[] = [];
		const drop = async (id: string | undefined) => {
			if (id === undefined) return;
			await remove(id);
			await drainOutbox(id);
			deleted.push(id);
		};
		const listed = await listAll(3, async (seen) => {
			// After each page: a group already listed goes, one not listed yet goes, and a new one comes.
			const alive = before.filter((id) => !deleted.includes(id));
			await drop(alive.find((id) => seen.includes(id)));
			const unseen = alive.filter((id) => !seen.includes(id));
			// The last one not listed yet stays, so the listing still has one to show after it.
			if (unseen.length > 1) {
				deletedUnseen.push(unseen[0] ?? "");
				await drop(unseen[0]);
			}
			if (madeDuring.length < 3) {
				const id = await appCreate(`pg-new-${madeDuring.length}`, [`pg-new-${madeDuring.length}`]);
				await drainOutbox(id);
				madeDuring.push(id);
			}
		});
		const ids = idsOf(listed);
		expect(new Set(ids).size).toBe(ids.length);
		const kept = before.filter((id) => !deleted.includes(id));
		for (const id of kept) expect(ids, id).toContain(id);
		// Made during the listing: higher ids, so on a later page.
		for (const id of madeDuring) expect(ids, id).toContain(id);
		// Deleted before its page came: not listed.
		expect(deletedUnseen.length).toBeGreaterThan(0);
		for (const id of deletedUnseen) expect(ids, id).not.toContain(id);
		expect(idsOf(await listAll(1000)).filter((id) => deleted.includes(id))).toEqual([]);
	});

	it("a page of one at a time lists what one page of a thousand lists, also when the last groups share a shard", async ({ expect }) => {
		// The two highest ids, in the same shard: the last page but one must still say there is more.
		const tail: string[] = [];
		for (let id = 20_000_000_000_000; tail.length < 2; id++) {
			if (registryShardOf(String(id), SHARDS) === registryShardOf("20000000000000", SHARDS)) tail.push(String(id));
		}
		for (const id of tail) {
			expect((await put(id, imported(`tl-${id}`))).status).toBe(201);
			await drainOutbox(id);
		}
		const whole = idsOf(await listAll(1000));
		expect(whole.slice(-2)).toEqual(tail);
		expect(idsOf(await listAll(1))).toEqual(whole);
	});

	it("a deleted group leaves the listing, and an older summary delivered late does not bring it back", async ({ expect }) => {
		const id = await createGroup("dl-alice", ["dl-alice"]);
		await drainOutbox(id);
		const summary = (await page(`?cursor=${Number(id) - 1}&limit=1`)).groups[0];
		expect(summary?.groupId).toBe(id);
		expect((await post({ action: "AEC_GROUP_DEL", userId: "dl-alice", groupId: id })).body).toBe('{"status":"1"}');
		await drainOutbox(id);
		expect(idsOf(await listAll(1000))).not.toContain(id);
		const late = await shardOf(id).apply([
			{ groupId: id, name: "late", creator: "dl-alice", createdAt: 0, memberCount: 1, version: 1, deleted: false },
		]);
		expect(late.ok).toBe(true);
		expect(idsOf(await listAll(1000))).not.toContain(id);
	});

	it("a callback does not wait for the registry; a failed delivery is retried until the registry has it", async ({ expect }) => {
		for (const shard of shards()) await failStatements(shard, /^\s*INSERT INTO groups/, { message: "registry down" });
		let id = "";
		const lines = await loggedLines(async () => {
			id = await createGroup("rt-alice", ["rt-alice", "rt-bob"]);
			await until(
				() =>
					runInDurableObject(env.GROUPS.getByName(id), (_, state) => state.storage.getAlarm().then((at) => (at ?? 0) < Date.now() + 5000)),
				"the failed delivery to re-arm the alarm",
			);
		});
		expect(
			lines.some((line) => line.outbox === "registry" && line.outcome === "RETRY" && String(line.reason).includes("registry down")),
		).toBe(true);
		expect(idsOf(await listAll(1000))).not.toContain(id);
		// The registry comes back (an evicted object drops the injected failure); the alarm delivers.
		for (const shard of shards()) await evictDurableObject(shard);
		await runDurableObjectAlarm(env.GROUPS.getByName(id));
		await drainOutbox(id);
		expect((await listAll(1000)).find((g) => g.groupId === id)).toMatchObject({ memberCount: 2, version: 1 });
	});

	it("follows each change: member count and version", async ({ expect }) => {
		const id = await createGroup("fc-alice", ["fc-alice"]);
		await post({ action: "AEC_GROUP_ADD_USER", userId: "fc-alice", groupId: id, addUsers: "fc-bob,fc-carol" });
		await post({ action: "AEC_SET_GROUP_PUSH_IGNORE", userId: "fc-bob", groupId: id });
		await drainOutbox(id);
		expect((await listAll(1000)).find((g) => g.groupId === id)).toMatchObject({ memberCount: 3, version: 3 });
	});

	it("is the app's only, and refuses a bad limit or cursor", async ({ expect }) => {
		const user = await read("/v1/groups", await asUser("someone"));
		expect([user.status, errorCode(user)]).toEqual([403, "FORBIDDEN"]);
		const anonymous = await read("/v1/groups");
		expect([anonymous.status, errorCode(anonymous)]).toEqual([401, "TOKEN_MISSING"]);
		for (const query of ["?limit=0", "?limit=1001", "?limit=x", "?cursor=abc", "?cursor=-1", "?cursor=12345678901234567"]) {
			const bad = await read(`/v1/groups${query}`, asApp);
			expect([bad.status, errorCode(bad)], query).toEqual([400, "BAD_REQUEST"]);
		}
	});

	it("listGroups, for in-Worker use, answers the same pages as the route", async ({ expect }) => {
		const id = await createGroup("lg-alice", ["lg-alice"]);
		await drainOutbox(id);
		const first = await listGroups(env, undefined, 2);
		expect(first.ok).toBe(true);
		const route = await page("?limit=2");
		expect(first.ok && first.value).toEqual(route);
	});
});

describe("groups stored by earlier releases", () => {
	it("register when they next wake, their members' join times unknown (null)", async ({ expect }) => {
		const id = await createGroup("od-alice", ["od-alice", "od-bob"]);
		await drainOutbox(id);
		await makeOld(id);
		expect(idsOf(await listAll(1000))).not.toContain(id);
		// Any call wakes it: here StarRTC's SYNC_ALL.
		await post({ action: "AEC_GROUP_SYNC_ALL", groupId: id });
		await drainOutbox(id);
		expect(idsOf(await listAll(1000))).toContain(id);
		const members = (await read(`/v1/groups/${id}/members`, asApp)).json as { members: { joinedAt: string | null }[] };
		expect(members.members.map((m) => m.joinedAt)).toEqual([null, null]);
		// A member added now has a join time.
		await post({ action: "AEC_GROUP_ADD_USER", userId: "od-alice", groupId: id, addUsers: "od-carol" });
		const after = (await read(`/v1/groups/${id}/export`, asApp)).json as { members: { joinedAt: string | null }[] };
		expect(after.members.map((m) => m.joinedAt === null)).toEqual([true, true, false]);
	});

	it("POST /v1/registry/backfill registers them without waiting for a wake, in bounded steps", async ({ expect }) => {
		const ids = [await createGroup("bf-alice", ["bf-alice"]), await createGroup("bf-bob", ["bf-bob"])];
		await Promise.all(ids.map(drainOutbox));
		for (const id of ids) await makeOld(id);
		const from = ids[0] ?? "";
		const first = await appCall("POST", `/v1/registry/backfill?from=${from}&count=1`);
		expect(first).toMatchObject({ status: 200, json: { from, to: from, registered: 1, failed: [], next: ids[1] } });
		const second = await appCall("POST", `/v1/registry/backfill?from=${ids[1]}&count=500`);
		expect(second.json).toMatchObject({ from: ids[1], registered: 1, failed: [] });
		expect(second.json).not.toHaveProperty("next");
		await Promise.all(ids.map(drainOutbox));
		const listed = idsOf(await listAll(1000));
		for (const id of ids) expect(listed).toContain(id);
		// Above every id minted: nothing to walk.
		const beyond = await appCall("POST", "/v1/registry/backfill?from=9000000000000000");
		expect(beyond.json).toEqual({ from: "9000000000000000", registered: 0, failed: [] });
		for (const query of ["?count=0", "?count=501", "?from=0", "?from=abc"]) {
			const bad = await appCall("POST", `/v1/registry/backfill${query}`);
			expect([bad.status, bad.json.error?.code], query).toEqual([400, "BAD_REQUEST"]);
		}
		const user = await appCall("POST", "/v1/registry/backfill", undefined, await asUser("someone"));
		expect([user.status, user.json.error?.code]).toEqual([403, "FORBIDDEN"]);
	});

	it("a backfill counts groups only, writes nothing for an id never created, and puts back a group the registry lost", async ({
		expect,
	}) => {
		// 500100 lives, 500101 and 500102 were never created, 500103 was deleted.
		for (const id of ["500100", "500103"]) expect((await put(id, imported(`gap-${id}`))).status).toBe(201);
		expect((await remove("500103")).status).toBe(200);
		await Promise.all(["500100", "500103"].map(drainOutbox));
		const walked = await appCall("POST", "/v1/registry/backfill?from=500100&count=4");
		expect(walked.json).toMatchObject({ from: "500100", to: "500103", registered: 1, failed: [] });
		for (const id of ["500101", "500102"]) {
			const tables = await runInDurableObject(env.GROUPS.getByName(id), (_, state) =>
				state.storage.sql.exec("SELECT name FROM sqlite_master").toArray(),
			);
			expect(tables, id).toEqual([]);
		}
		// The registry loses the group's row (a shard restored from an older copy, say); the group still counts it as told.
		await runInDurableObject(shardOf("500100"), (_, state) => {
			state.storage.sql.exec("DELETE FROM groups WHERE group_id = ?", 500100);
		});
		expect(idsOf(await listAll(1000))).not.toContain("500100");
		expect((await appCall("POST", "/v1/registry/backfill?from=500100&count=1")).json).toMatchObject({ registered: 1 });
		// Sent at once, not when the safety-net alarm comes round: no alarm is run here.
		await until(async () => idsOf(await listAll(1000)).includes("500100"), "the backfilled group listed", 3000);
	});
});
