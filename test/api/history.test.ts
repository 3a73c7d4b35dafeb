import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { createGroup, post } from "../helpers";
import { appCall, appCreate, asApp, asUser, errorCode, read } from "./client";

// GET /v1/groups/{id}/events without a webhook (this project has no WEBHOOK_URL): the history is
// kept all the same. With a webhook: test/events/.
interface History {
	groupId: string;
	version: number;
	events: { id: string; webhook?: string; type: string; timestamp: string; data: { version: number; part: number; userIds: string[] } }[];
	next?: string;
}
const history = async (path: string) => (await appCall("GET", path)).json as unknown as History;

describe("a group's history", () => {
	it("holds every change, oldest first, with its webhook-id, without a webhook too", async ({ expect }) => {
		const id = await createGroup("hs-alice", ["hs-alice", "hs-bob"]);
		await post({ action: "AEC_GROUP_ADD_USER", userId: "hs-alice", groupId: id, addUsers: "hs-carol" });
		await post({ action: "AEC_SET_GROUP_PUSH_IGNORE", userId: "hs-bob", groupId: id });
		await appCall("DELETE", `/v1/groups/${id}/members/hs-carol`);
		const page = await history(`/v1/groups/${id}/events`);
		expect([page.groupId, page.version, page.next]).toEqual([id, 4, undefined]);
		expect(page.events.map((e) => [e.type, e.data.version, e.data.userIds, "webhook" in e])).toEqual([
			["group.created", 1, ["hs-alice", "hs-bob"], false],
			["group.members_added", 2, ["hs-carol"], false],
			["group.dnd_on", 3, ["hs-bob"], false],
			["group.members_removed", 4, ["hs-carol"], false],
		]);
		expect(new Set(page.events.map((e) => e.id)).size).toBe(4);
		for (const event of page.events) expect(event.id).toMatch(/^msg_[0-9a-f]{32}$/);
		expect((await history(`/v1/groups/${id}/events?after=3`)).events.map((e) => e.data.version)).toEqual([4]);
		expect((await history(`/v1/groups/${id}/events?after=4`)).events).toEqual([]);
	});

	it("pages through the parts of a large change with the next cursor", async ({ expect }) => {
		const id = await appCreate(
			"hp-0",
			Array.from({ length: 1100 }, (_, i) => `hp-${i}`),
		);
		await appCall("POST", `/v1/groups/${id}/members`, { userIds: ["hp-late"] });
		const seen: [number, number][] = [];
		let path = `/v1/groups/${id}/events?limit=2`;
		const nexts: string[] = [];
		for (;;) {
			const page = await history(path);
			seen.push(...page.events.map((e) => [e.data.version, e.data.part] as [number, number]));
			if (!page.next) break;
			nexts.push(page.next);
			path = `/v1/groups/${id}/events?limit=2&cursor=${page.next}`;
		}
		expect(seen).toEqual([
			[1, 1],
			[1, 2],
			[1, 3],
			[2, 1],
		]);
		expect(nexts).toEqual(["1.2"]);
		// after=<version> skips every part of that version.
		expect((await history(`/v1/groups/${id}/events?after=1`)).events.map((e) => e.data.version)).toEqual([2]);
	});

	it("of a deleted group goes with it (no webhook waits here)", async ({ expect }) => {
		const id = await createGroup("hd-alice", ["hd-alice"]);
		await post({ action: "AEC_GROUP_DEL", userId: "hd-alice", groupId: id });
		const answer = await read(`/v1/groups/${id}/events`, asApp);
		expect([answer.status, errorCode(answer)]).toEqual([404, "UNKNOWN_GROUP"]);
		const rows = await runInDurableObject(
			env.GROUPS.getByName(id),
			(_, state) => state.storage.sql.exec("SELECT count(*) AS n FROM events").one().n,
		);
		expect(rows).toBe(0);
	});

	it("is the app's only, and refuses malformed queries", async ({ expect }) => {
		const id = await createGroup("hr-alice", ["hr-alice"]);
		const path = `/v1/groups/${id}/events`;
		const member = await read(path, await asUser("hr-alice"));
		expect([member.status, errorCode(member)]).toEqual([403, "FORBIDDEN"]);
		const anonymous = await read(path);
		expect([anonymous.status, errorCode(anonymous)]).toEqual([401, "TOKEN_MISSING"]);
		const app = asApp;
		for (const query of [
			"after=x",
			"after=-1",
			"after=1.5",
			`after=${2 ** 37}`,
			"cursor=1",
			"cursor=a.b",
			"cursor=1.65536",
			"limit=0",
			"limit=1001",
		]) {
			const answer = await read(`${path}?${query}`, app);
			expect([query, answer.status, errorCode(answer)]).toEqual([query, 400, "BAD_REQUEST"]);
		}
		// The largest version a query may name, and one of several digits, are taken.
		for (const query of [`after=${2 ** 37 - 1}`, "after=12"]) {
			const answer = await read(`${path}?${query}`, app);
			expect([query, answer.status]).toEqual([query, 200]);
		}
		const unknown = await read("/v1/groups/987654321/events", app);
		expect([unknown.status, errorCode(unknown)]).toEqual([404, "UNKNOWN_GROUP"]);
	});
});
