import { env } from "cloudflare:workers";
import { describe, it, vi } from "vitest";
import { Membership, type MembershipDelta, shardOf } from "../../src/user-index/membership";
import { drainOutbox } from "../helpers";
import { appCall, asApp, read } from "./client";

// A user's groups come in the order the user joined them, page after page (`next` cursors). Group
// ids do not all have the same length (an import keeps the sample's ids, `99999` next to `100000`),
// and several groups can share a join time (an import, or one millisecond): across the pages every
// group must appear exactly once, in join order, and in the same order whatever the page size.

interface Listed {
	readonly groupId: string;
	readonly joinedAt: string;
}

/** Every page of GET /v1/users/{u}/groups at `limit`, concatenated. */
async function allPages(userId: string, limit: number): Promise<Listed[]> {
	const seen: Listed[] = [];
	let cursor: string | undefined;
	for (let pages = 0; ; pages++) {
		if (pages > 3000) throw new Error("the pages never end");
		const page = await read(`/v1/users/${userId}/groups?limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`, asApp);
		if (page.status !== 200) throw new Error(`page ${pages} answered ${page.status}: ${page.text}`);
		const body = page.json as { groups: Listed[]; next?: string };
		seen.push(...body.groups.map(({ groupId, joinedAt }) => ({ groupId, joinedAt })));
		cursor = body.next;
		if (!cursor) return seen;
	}
}

describe("a user's groups page cleanly when ids of different lengths share a join time", () => {
	it("GET /v1/users/{u}/groups: imported groups 99999 and 100000 (and 7, 1000000) joined in one millisecond come once each, in join order, at every page size", async ({
		expect,
	}) => {
		const user = "pl-len-u";
		const imported = (groupId: string) =>
			appCall("PUT", `/v1/groups/${groupId}`, {
				creator: "pl-len-owner",
				name: `g${groupId}`,
				members: [user],
				createdAt: "2024-05-01T10:00:00Z",
			});
		const start = Date.now();
		const tied = ["99999", "100000", "7", "1000000"];
		vi.useFakeTimers({ toFake: ["Date"] });
		try {
			// Joined first: 5000; then the four tied ones in one millisecond; last: 55.
			vi.setSystemTime(start);
			expect((await imported("5000")).status).toBe(201);
			vi.setSystemTime(start + 1);
			for (const id of tied) expect((await imported(id)).status, id).toBe(201);
			vi.setSystemTime(start + 2);
			expect((await imported("55")).status).toBe(201);
		} finally {
			vi.useRealTimers();
		}
		for (const id of ["5000", ...tied, "55"]) await drainOutbox(id);

		const whole = await allPages(user, 100);
		expect(whole.map((g) => g.groupId).sort()).toEqual(["5000", ...tied, "55"].sort());
		// Join order: 5000 first, 55 last, the tied four in between at one and the same time.
		expect(whole[0]?.groupId).toBe("5000");
		expect(whole[5]?.groupId).toBe("55");
		expect(
			whole
				.slice(1, 5)
				.map((g) => g.groupId)
				.sort(),
		).toEqual([...tied].sort());
		expect(new Set(whole.slice(1, 5).map((g) => g.joinedAt))).toEqual(new Set([new Date(start + 1).toISOString()]));
		for (const limit of [1, 2, 3, 4, 5]) expect(await allPages(user, limit), `limit=${limit}`).toEqual(whole);
	});

	it("list.php, which reads the index 1,000 at a time: 1,001 groups with ids 99500–100500 joined in one millisecond come once each", async ({
		expect,
	}) => {
		// Fed straight into the user's index shard, as 1,001 imports in one millisecond would.
		const user = "pl-len-many";
		const ids = Array.from({ length: 1001 }, (_, i) => String(99500 + i));
		const deltas: MembershipDelta[] = ids.map((groupId) => ({
			groupId,
			version: 1,
			at: 1_700_000_000_000,
			name: `g${groupId}`,
			creator: "c",
			deleted: false,
			users: [[user, Membership.In]],
		}));
		const applied = await env.USER_INDEX.getByName(shardOf(user, Number(env.INDEX_SHARDS))).apply(deltas);
		expect(applied.ok).toBe(true);

		const demo = await read(`/group/list.php?userId=${user}`, asApp);
		const listed = (demo.json as { status: number; data: { groupId: string }[] }).data.map((g) => g.groupId);
		expect(listed).toHaveLength(1001);
		expect(new Set(listed).size).toBe(1001);
		expect([...listed].sort()).toEqual([...ids].sort());
		// The same order as the API's pages, whatever their size.
		const v1 = (await allPages(user, 1000)).map((g) => g.groupId);
		expect(v1).toEqual(listed);
		expect((await allPages(user, 7)).map((g) => g.groupId)).toEqual(listed);
	});
});
