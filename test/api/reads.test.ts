import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import worker from "../../src/index";
import { Membership, shardOf } from "../../src/user-index/membership";
import { createGroup, drainOutbox, post } from "../helpers";
import { asApp, asUser, errorCode, read } from "./client";

describe("the StarRTC demo apps' two URLs, in the sample server's shapes", () => {
	it("list.php: the user's groups in the order they joined them, the name as plain text", async ({ expect }) => {
		const first = await createGroup("dm-alice", ["dm-alice", "dm-bob"], "first");
		const second = await createGroup("dm-bob", ["dm-bob"], 'say "hi" \\ {x}');
		await post({ action: "AEC_GROUP_ADD_USER", userId: "dm-bob", groupId: second, addUsers: "dm-alice" });
		await Promise.all([drainOutbox(first), drainOutbox(second)]);
		for (const path of ["/group/list.php", "/group/list"]) {
			const answer = await read(`${path}?userId=dm-alice`, asApp);
			expect(answer.status).toBe(200);
			expect(answer.text).toBe(
				JSON.stringify({
					status: 1,
					data: [
						{ groupName: "first", creator: "dm-alice", groupId: first },
						{ groupName: 'say "hi" \\ {x}', creator: "dm-bob", groupId: second },
					],
				}),
			);
		}
		expect((await read("/group/list.php?userId=nobody-at-all", asApp)).text).toBe('{"status":1,"data":[]}');
	});

	it('members.php: the members in join order and the asking user\'s DND as "1"/"0"; members only', async ({ expect }) => {
		const id = await createGroup("mb-alice", ["mb-alice", "mb-bob", "mb-carol"]);
		await post({ action: "AEC_SET_GROUP_PUSH_IGNORE", userId: "mb-bob", groupId: id });
		const bob = await read(`/group/members.php?userId=mb-bob&groupId=${id}`, asApp);
		expect([bob.status, bob.text]).toEqual([200, '{"status":1,"data":{"userIdList":"mb-alice,mb-bob,mb-carol","isIgnore":"1"}}']);
		const alice = await read(`/group/members?userId=mb-alice&groupId=${id}`, asApp);
		expect(alice.text).toBe('{"status":1,"data":{"userIdList":"mb-alice,mb-bob,mb-carol","isIgnore":"0"}}');
		const stranger = await read(`/group/members.php?userId=mb-zed&groupId=${id}`, asApp);
		expect([stranger.status, stranger.text]).toEqual([200, `{"status":0,"data":"${id}:only members of the group may read it"}`]);
		const unknown = await read("/group/members.php?userId=mb-alice&groupId=987654321", asApp);
		expect([unknown.status, unknown.text]).toEqual([200, '{"status":0,"data":"987654321:no such group"}']);
		for (const query of [`groupId=${id}`, "userId=mb-alice", "userId=mb-alice&groupId=x", `userId=a%22b&groupId=${id}`]) {
			expect((await read(`/group/members.php?${query}`, asApp)).text, query).toBe('{"status":0,"data":"missing args"}');
		}
		expect((await read("/group/list.php", asApp)).text).toBe('{"status":0,"data":"missing args"}');
	});

	it("are closed without a token unless PUBLIC_READS is true; a user token reads only its own user", async ({ expect }) => {
		const id = await createGroup("pr-alice", ["pr-alice", "pr-bob"]);
		await drainOutbox(id);
		const closed = await read("/group/list.php?userId=pr-alice");
		expect([closed.status, closed.text]).toEqual([
			401,
			'{"status":0,"data":"this route needs Authorization: Bearer <API_TOKEN or user token>"}',
		]);
		const own = await read("/group/list.php?userId=pr-alice", await asUser("pr-alice"));
		expect((own.json as { data: unknown[] }).data).toHaveLength(1);
		const other = await read("/group/list.php?userId=pr-alice", await asUser("pr-bob"));
		expect([other.status, other.text]).toEqual([403, '{"status":0,"data":"a user token reads only its own user\'s groups"}']);
		const members = `/group/members.php?userId=pr-alice&groupId=${id}`;
		expect((await read(members)).status).toBe(401);
		const otherMembers = await read(members, await asUser("pr-bob"));
		expect([otherMembers.status, otherMembers.text]).toEqual([403, '{"status":0,"data":"a user token reads only its own user\'s groups"}']);
		const badToken = await read("/group/list.php?userId=pr-alice", { Authorization: "Bearer nope" });
		expect([badToken.status, badToken.text]).toEqual([401, '{"status":0,"data":"not the API token, and not a user token"}']);
		const open = await worker.fetch(new Request("http://aec.test/group/list.php?userId=pr-alice"), { ...env, PUBLIC_READS: "true" });
		expect(await open.text()).toBe(`{"status":1,"data":[{"groupName":"g","creator":"pr-alice","groupId":"${id}"}]}`);
		// Open to the anonymous, not to another user's token.
		const foreign = await worker.fetch(new Request("http://aec.test/group/list.php?userId=pr-alice", { headers: await asUser("pr-bob") }), {
			...env,
			PUBLIC_READS: "true",
		});
		expect(foreign.status).toBe(403);
	});
});

describe("/v1 reads", () => {
	it("GET /v1/groups/{id}: name, creator, created, member count, version", async ({ expect }) => {
		const id = await createGroup("v1-alice", ["v1-alice", "v1-bob"], "Book club");
		const answer = await read(`/v1/groups/${id}`, asApp);
		expect(answer.status).toBe(200);
		const info = answer.json as Record<string, unknown>;
		// No STARRTC_PROXY_URL in this project: nothing is ever pending for StarRTC.
		expect(info).toMatchObject({
			groupId: id,
			name: "Book club",
			creator: "v1-alice",
			memberCount: 2,
			version: 1,
			starrtc: { proxy: false, pending: false },
			// No WEBHOOK_URL either: the delivery state says so.
			webhook: { on: false },
		});
		expect(Date.parse(String(info.createdAt))).toBeGreaterThan(Date.now() - 60_000);
		// What StarRTC was told is the app's business: a member's token reads the rest, without it.
		const asMember = await read(`/v1/groups/${id}`, await asUser("v1-bob"));
		expect(asMember.json).toEqual({ ...info, starrtc: undefined, webhook: undefined });
		expect(asMember.text).not.toContain("starrtc");
		expect(errorCode(await read("/v1/groups/987654321", asApp))).toBe("UNKNOWN_GROUP");
		expect((await read("/v1/groups/987654321", asApp)).status).toBe(404);
		expect(errorCode(await read("/v1/groups/abc", asApp))).toBe("BAD_REQUEST");
	});

	it("GET /v1/groups/{id}/members pages a 2,500-member group cleanly in join order", async ({ expect }) => {
		const members = Array.from({ length: 2500 }, (_, i) => `pg${i}`);
		const id = await createGroup("pg0", members);
		await post({ action: "AEC_SET_GROUP_PUSH_IGNORE", userId: "pg7", groupId: id });
		const pagesOf = async (limit: number) => {
			const seen: { userId: string; doNotDisturb: boolean }[] = [];
			let cursor: string | undefined;
			let pages = 0;
			do {
				const page = await read(`/v1/groups/${id}/members?limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`, asApp);
				expect(page.status).toBe(200);
				const body = page.json as { members: { userId: string; doNotDisturb: boolean }[]; next?: string };
				seen.push(...body.members);
				cursor = body.next;
				pages++;
			} while (cursor);
			return { seen, pages };
		};
		const { seen, pages } = await pagesOf(1000);
		expect(pages).toBe(3);
		expect(seen.map((m) => m.userId)).toEqual(members);
		expect(seen.filter((m) => m.doNotDisturb).map((m) => m.userId)).toEqual(["pg7"]);
		// A last page that is exactly full has no cursor after it (no empty page to fetch).
		expect((await pagesOf(500)).pages).toBe(5);
		expect(errorCode(await read(`/v1/groups/${id}/members?limit=1001`, asApp))).toBe("BAD_REQUEST");
		for (const bad of ["x", "x1", "1x", "12345678901234567"]) {
			expect(errorCode(await read(`/v1/groups/${id}/members?cursor=${bad}`, asApp)), bad).toBe("BAD_REQUEST");
		}
	});

	it("GET /v1/users/{id}/groups pages a user in 1,200 groups cleanly, ties in join time included", async ({ expect }) => {
		// Fed straight into the user's index shard, as 1,200 group outboxes would; ten groups share each join time.
		const ids = Array.from({ length: 1200 }, (_, i) => String(800000 + i));
		const shard = env.USER_INDEX.getByName(shardOf("many-u", Number(env.INDEX_SHARDS)));
		const deltas = ids.map((groupId, i) => ({
			groupId,
			version: 1,
			at: 1_000_000 + Math.floor(i / 10),
			name: `g${i}`,
			creator: "someone",
			deleted: false,
			users: [["many-u", Membership.In] as const],
		}));
		expect((await shard.apply(deltas)).ok).toBe(true);
		const seen: string[] = [];
		let cursor: string | undefined;
		let pages = 0;
		do {
			const page = await read(`/v1/users/many-u/groups?limit=500${cursor ? `&cursor=${cursor}` : ""}`, asApp);
			const body = page.json as { groups: { groupId: string }[]; next?: string };
			seen.push(...body.groups.map((g) => g.groupId));
			cursor = body.next;
			pages++;
		} while (cursor);
		expect(pages).toBe(3);
		expect(seen).toEqual(ids);
		// list.php has no paging: it reads every page of the index.
		const demo = await read("/group/list.php?userId=many-u", asApp);
		expect((demo.json as { data: { groupId: string }[] }).data.map((g) => g.groupId)).toEqual(ids);
		// A cursor is <join time>.<group id>, whole: nothing before or after, no leading zero in the id.
		for (const bad of ["12", "x1000000.800001", "1000000.800001x", "1000000.0800001", "1000000.", ".800001"]) {
			expect(errorCode(await read(`/v1/users/many-u/groups?cursor=${bad}`, asApp)), bad).toBe("BAD_REQUEST");
		}
		const resumed = await read("/v1/users/many-u/groups?limit=1&cursor=1000000.800009", asApp);
		expect((resumed.json as { groups: { groupId: string }[] }).groups.map((g) => g.groupId)).toEqual(["800010"]);
	});

	it("a user token reads its own groups and groups it is in, nothing else", async ({ expect }) => {
		const id = await createGroup("ut-alice", ["ut-alice", "ut-bob"]);
		await drainOutbox(id);
		const bob = await asUser("ut-bob");
		expect((await read("/v1/users/ut-bob/groups", bob)).status).toBe(200);
		expect((await read(`/v1/groups/${id}/members`, bob)).status).toBe(200);
		expect(errorCode(await read("/v1/users/ut-alice/groups", bob))).toBe("FORBIDDEN");
		const zed = await asUser("ut-zed");
		expect(errorCode(await read(`/v1/groups/${id}`, zed))).toBe("NOT_A_MEMBER");
		expect(errorCode(await read(`/v1/groups/${id}/members`, zed))).toBe("NOT_A_MEMBER");
	});

	it("an unknown /v1 route is a JSON NOT_FOUND, not a StarRTC envelope", async ({ expect }) => {
		const answer = await read("/v1/nothing", asApp);
		expect([answer.status, errorCode(answer)]).toEqual([404, "NOT_FOUND"]);
	});
});
