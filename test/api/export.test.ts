import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import type { GroupExport } from "../../src/group/types";
import { createGroup, drainOutbox, failure, indexedGroups, post, syncAll } from "../helpers";
import { appCall, appCreate, asApp, asUser, errorCode, read } from "./client";

const put = (groupId: string, body: unknown, query = "") => appCall("PUT", `/v1/groups/${groupId}${query}`, body);

async function exported(groupId: string): Promise<GroupExport> {
	const answer = await read(`/v1/groups/${groupId}/export`, asApp);
	if (answer.status !== 200) throw new Error(`export of ${groupId}: ${answer.text}`);
	return answer.json as GroupExport;
}

type Listed = { userId: string; doNotDisturb: boolean; joinedAt: string | null };
async function members(groupId: string): Promise<Listed[]> {
	const answer = await read(`/v1/groups/${groupId}/members?limit=1000`, asApp);
	return (answer.json as { members: Listed[] }).members;
}

/** An export line under another id, as a restore to another id would send it. */
const under = (line: GroupExport, groupId: string) => ({ ...line, groupId });

describe("join times", () => {
	it("a create's members join at its creation time; an add's at its commit; both on the members page and in the export", async ({
		expect,
	}) => {
		const id = await createGroup("jt-alice", ["jt-alice", "jt-bob"]);
		const { createdAt } = (await read(`/v1/groups/${id}`, asApp)).json as { createdAt: string };
		const before = Date.now();
		await post({ action: "AEC_GROUP_ADD_USER", userId: "jt-alice", groupId: id, addUsers: "jt-carol,jt-dave" });
		const after = Date.now();
		const page = await members(id);
		expect(page.map((m) => m.userId)).toEqual(["jt-alice", "jt-bob", "jt-carol", "jt-dave"]);
		expect(page[0]?.joinedAt).toBe(createdAt);
		expect(page[1]?.joinedAt).toBe(createdAt);
		const added = Date.parse(page[2]?.joinedAt ?? "");
		expect(added).toBeGreaterThanOrEqual(before);
		expect(added).toBeLessThanOrEqual(after);
		expect(page[3]?.joinedAt).toBe(page[2]?.joinedAt);
		expect((await exported(id)).members).toEqual(page);
	});

	it("an import keeps the join times it is given (null: unknown) and gives the others the import time", async ({ expect }) => {
		const before = Date.now();
		const answer = await put("5101", {
			creator: "ji-alice",
			createdAt: "2024-01-01T00:00:00.000Z",
			members: [
				{ userId: "ji-alice", joinedAt: "2024-01-01T00:00:00.000Z" },
				{ userId: "ji-bob", joinedAt: 1717243200000, doNotDisturb: true },
				{ userId: "ji-carol", joinedAt: null },
				{ userId: "ji-dave" },
			],
		});
		expect([answer.status, answer.json.result]).toEqual([201, "created"]);
		const page = await members("5101");
		expect(page.slice(0, 3)).toEqual([
			{ userId: "ji-alice", doNotDisturb: false, joinedAt: "2024-01-01T00:00:00.000Z" },
			{ userId: "ji-bob", doNotDisturb: true, joinedAt: "2024-06-01T12:00:00.000Z" },
			{ userId: "ji-carol", doNotDisturb: false, joinedAt: null },
		]);
		expect(Date.parse(page[3]?.joinedAt ?? "")).toBeGreaterThanOrEqual(before);
		// The old shape: every member joins at the import time.
		await put("5102", { creator: "ji-alice", members: ["ji-bob"], createdAt: 0 });
		for (const m of await members("5102")) expect(Date.parse(m.joinedAt ?? "")).toBeGreaterThanOrEqual(before);
	});
});

describe("GET /v1/groups/{id}/export", () => {
	it("is one snapshot that agrees with SYNC_ALL: the same members in the same order, the same DND, the group's version", async ({
		expect,
	}) => {
		const id = await createGroup("ex-alice", ["ex-alice", "ex-bob", "ex-carol"], "export me");
		await post({ action: "AEC_GROUP_ADD_USER", userId: "ex-alice", groupId: id, addUsers: "ex-dave,ex-erin" });
		await post({ action: "AEC_GROUP_REMOVE_USER", userId: "ex-alice", groupId: id, removeUsers: "ex-bob" });
		await post({ action: "AEC_GROUP_ADD_USER", userId: "ex-alice", groupId: id, addUsers: "ex-bob" });
		await post({ action: "AEC_SET_GROUP_PUSH_IGNORE", userId: "ex-erin", groupId: id });
		await post({ action: "AEC_SET_GROUP_PUSH_IGNORE", userId: "ex-carol", groupId: id });
		const roster = JSON.parse(await syncAll(id)) as { data: { groupList: string; ignoreList?: string } };
		const line = await exported(id);
		const info = (await read(`/v1/groups/${id}`, asApp)).json as { createdAt: string; version: number };
		expect(line).toMatchObject({ groupId: id, name: "export me", creator: "ex-alice", createdAt: info.createdAt, version: info.version });
		expect(Object.keys(line)).toEqual(["groupId", "name", "creator", "createdAt", "version", "members"]);
		expect(line.members.map((m) => m.userId).join(",")).toBe(roster.data.groupList);
		expect(
			line.members
				.filter((m) => m.doNotDisturb)
				.map((m) => m.userId)
				.join(","),
		).toBe(roster.data.ignoreList);
		expect(Object.keys(line.members[0] ?? {})).toEqual(["userId", "doNotDisturb", "joinedAt"]);
	});

	it("is the app's only: a user token is FORBIDDEN, none is TOKEN_MISSING; an unknown group is UNKNOWN_GROUP", async ({ expect }) => {
		const id = await createGroup("ea-alice", ["ea-alice"]);
		const user = await read(`/v1/groups/${id}/export`, await asUser("ea-alice"));
		expect([user.status, errorCode(user)]).toEqual([403, "FORBIDDEN"]);
		const anonymous = await read(`/v1/groups/${id}/export`);
		expect([anonymous.status, errorCode(anonymous)]).toEqual([401, "TOKEN_MISSING"]);
		const unknown = await read("/v1/groups/987654321/export", asApp);
		expect([unknown.status, errorCode(unknown)]).toEqual([404, "UNKNOWN_GROUP"]);
	});

	it("exports a 20,000-member group whole", { timeout: 120_000 }, async ({ expect }) => {
		const ids = Array.from({ length: 20_000 }, (_, i) => `big-${i}`);
		const id = await appCreate("big-0", ids);
		const timed = async () => {
			const started = performance.now();
			const answer = await read(`/v1/groups/${id}/export`, asApp);
			return { answer, ms: Math.round(performance.now() - started) };
		};
		const awake = await timed();
		// Asleep: the object wakes (reads its group), then exports.
		await evictDurableObject(env.GROUPS.getByName(id));
		const { answer, ms } = await timed();
		console.log(JSON.stringify({ export: { members: 20_000, awakeMs: awake.ms, asleepMs: ms, bytes: answer.text.length } }));
		expect(awake.answer.text).toBe(answer.text);
		const line = answer.json as GroupExport;
		expect(line.members).toHaveLength(20_000);
		expect(line.members.map((m) => m.userId)).toEqual(ids);
		expect(answer.text).not.toContain("\n");
	});
});

describe("restoring an export line through PUT /v1/groups/{id}", () => {
	it("gives back an equal export (join times and DND exact); the same line again is unchanged", async ({ expect }) => {
		const id = await createGroup("rs-alice", ["rs-alice", "rs-bob", "rs-carol"], "restore me");
		await post({ action: "AEC_GROUP_ADD_USER", userId: "rs-alice", groupId: id, addUsers: "rs-dave" });
		await post({ action: "AEC_SET_GROUP_PUSH_IGNORE", userId: "rs-bob", groupId: id });
		const line = await exported(id);
		const restored = await put("5201", under(line, "5201"));
		expect([restored.status, restored.json.result]).toEqual([201, "created"]);
		const back = await exported("5201");
		expect({ ...back, version: line.version }).toEqual(under(line, "5201"));
		expect(await syncAll("5201")).toBe(await syncAll(id));
		expect(await put("5201", under(line, "5201"))).toMatchObject({ status: 200, json: { result: "unchanged" } });
		// The line as it was exported, to its own id: unchanged too (its version is ignored).
		expect(await put(id, { ...line, version: 999 })).toMatchObject({ status: 200, json: { result: "unchanged" } });
	});

	it("a different join time is other content: a conflict, and ?overwrite=true restores it exactly", async ({ expect }) => {
		const id = await createGroup("rc-alice", ["rc-alice", "rc-bob"]);
		const line = await exported(id);
		const moved = { ...line, members: line.members.map((m, i) => (i === 1 ? { ...m, joinedAt: "2020-02-02T02:02:02.002Z" } : m)) };
		const conflict = await put(id, moved);
		expect([conflict.status, conflict.json.error?.code]).toEqual([409, "GROUP_EXISTS"]);
		expect(await put(id, moved, "?overwrite=true")).toMatchObject({ status: 200, json: { result: "replaced" } });
		expect((await exported(id)).members[1]?.joinedAt).toBe("2020-02-02T02:02:02.002Z");
		// Without join times the line compares as before: names, order and DND only.
		const bare = { ...line, members: line.members.map(({ userId, doNotDisturb }) => ({ userId, doNotDisturb })) };
		expect(await put(id, bare)).toMatchObject({ status: 200, json: { result: "unchanged" } });
	});

	it("refuses a line it cannot take, and changes nothing", async ({ expect }) => {
		const id = await createGroup("rb-alice", ["rb-alice", "rb-bob"]);
		const line = await exported(id);
		const bad = {
			mixed: { ...line, members: ["rb-alice", { userId: "rb-bob" }] },
			dndList: { ...line, doNotDisturb: ["rb-bob"] },
			otherId: { ...line, groupId: "5301" },
			badTime: { ...line, members: [{ userId: "rb-alice", joinedAt: "yesterday" }] },
			negativeTime: { ...line, members: [{ userId: "rb-alice", joinedAt: -5 }] },
			badDnd: { ...line, members: [{ userId: "rb-alice", doNotDisturb: "yes" }] },
			twice: { ...line, members: [{ userId: "rb-alice" }, { userId: "rb-alice" }] },
			noUserId: { ...line, members: [{ doNotDisturb: true }] },
		};
		for (const [what, body] of Object.entries(bad)) {
			const answer = await put(id, body, "?overwrite=true");
			expect([answer.status, answer.json.error?.code], what).toEqual([400, "BAD_REQUEST"]);
		}
		expect(await exported(id)).toEqual(line);
	});
});

describe("reviving a deleted group (?revive=true)", () => {
	it("a late callback gets the unknown-group answer; only the flag brings the group back, its version after the deletion's", async ({
		expect,
	}) => {
		const id = await createGroup("rv-alice", ["rv-alice", "rv-bob"], "revive me");
		await post({ action: "AEC_SET_GROUP_PUSH_IGNORE", userId: "rv-bob", groupId: id });
		const line = await exported(id);
		expect((await post({ action: "AEC_GROUP_DEL", userId: "rv-alice", groupId: id })).body).toBe('{"status":"1"}');
		await drainOutbox(id);
		// StarRTC's callbacks never bring it back: a late one is refused as for any unknown group.
		expect((await post({ action: "AEC_GROUP_ADD_USER", userId: "rv-alice", groupId: id, addUsers: "rv-carol" })).body).toBe(failure(47));
		expect(await syncAll(id)).toBe(failure(47));
		for (const query of ["", "?overwrite=true", "?revive=false", "?revive=1"]) {
			const refused = await put(id, line, query);
			expect([refused.status, refused.json.error?.code], query).toEqual([410, "GROUP_DELETED"]);
		}
		const revived = await put(id, line, "?revive=true");
		expect(revived).toMatchObject({ status: 201, json: { groupId: id, result: "revived", version: line.version + 2 } });
		expect({ ...(await exported(id)), version: line.version }).toEqual(line);
		expect(await syncAll(id)).toBe('{"status":"1","data":{"groupList":"rv-alice,rv-bob","ignoreList":"rv-bob"}}');
		// The user index takes it: its version is newer than the deletion it holds.
		await drainOutbox(id);
		expect((await indexedGroups("rv-bob")).map((g) => [g.groupId, g.doNotDisturb])).toEqual([[id, true]]);
		// So does the group registry, which held the deletion.
		const listed = (await read(`/v1/groups?cursor=${Number(id) - 1}&limit=1`, asApp)).json as {
			groups: { groupId: string; version: number }[];
		};
		expect(listed.groups).toMatchObject([{ groupId: id, version: line.version + 2 }]);
		// Once back, it is a group like any other: the same line is unchanged, callbacks apply.
		expect(await put(id, line, "?revive=true")).toMatchObject({ status: 200, json: { result: "unchanged" } });
		expect((await post({ action: "AEC_GROUP_ADD_USER", userId: "rv-alice", groupId: id, addUsers: "rv-carol" })).body).toBe(
			'{"status":"1"}',
		);
	});

	it("over a group that is here, ?revive=true alone changes nothing: other content is still a conflict", async ({ expect }) => {
		const id = await createGroup("rw-alice", ["rw-alice"]);
		const line = await exported(id);
		const other = await put(id, { ...line, name: "other" }, "?revive=true");
		expect([other.status, other.json.error?.code]).toEqual([409, "GROUP_EXISTS"]);
	});
});
