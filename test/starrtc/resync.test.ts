import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, it } from "vitest";
import { appCall as call, appCreate as create, userToken } from "../api/client";
import { DONE, drainOutbox, post, until } from "../helpers";
import { StubProxy } from "./stub-proxy";

// POST /v1/groups/{id}/starrtc/resync, with STARRTC_PROXY_URL set to the stub (vitest.config.ts).
// Without it (the workers project), test/api/refusals.test.ts has STARRTC_PROXY_OFF.
const proxy = new StubProxy();
beforeAll(() => void proxy.install());
beforeEach(() => proxy.reset());

const resync = (id: string) => call("POST", `/v1/groups/${id}/starrtc/resync`);

/** Rows waiting in the group's outbox for StarRTC, read without running its alarm. */
const waitingForStarRtc = (id: string) =>
	runInDurableObject(
		env.GROUPS.getByName(id),
		(_, state) => state.storage.sql.exec("SELECT count(*) AS n FROM outbox WHERE destination = 'starrtc'").one().n,
	);

describe("POST /v1/groups/{id}/starrtc/resync", () => {
	it("sends the whole state (members and DND) to a groupServer that forgot the group, and answers the version it holds", async ({
		expect,
	}) => {
		const id = await create("rs-alice", ["rs-bob", "rs-carol"]);
		await call("PUT", `/v1/groups/${id}/members/rs-carol/dnd`);
		await drainOutbox(id);
		proxy.groups.clear(); // groupServer restarted and forgot the group
		const before = proxy.calls.length;
		expect(await resync(id)).toEqual({ status: 200, json: { groupId: id, version: 2, resynced: true } });
		expect(proxy.calls.slice(before)).toEqual([
			{ name: "syncGroupList", params: { groupId: id, groupList: "rs-alice,rs-bob,rs-carol", ignoreList: "rs-carol" } },
		]);
		expect(proxy.groups.get(id)).toEqual({ members: ["rs-alice", "rs-bob", "rs-carol"], ignoring: new Set(["rs-carol"]) });
		// Nothing about the group changed.
		expect((await call("GET", `/v1/groups/${id}`)).json).toMatchObject({ version: 2, memberCount: 3, starrtc: { pending: false } });
	});

	it("the proxy's refusal or silence is 502 STARRTC_REFUSED with its words; the group is unchanged", async ({ expect }) => {
		const id = await create("rf-alice", ["rf-bob"]);
		await drainOutbox(id);
		proxy.refusing.add("syncGroupList");
		expect(await resync(id)).toEqual({
			status: 502,
			json: { error: { code: "STARRTC_REFUSED", message: "syncGroupList: ASOCKSRV_ERRID_HTTP_POST_PARAM_ERR" } },
		});
		proxy.refusing.clear();
		proxy.down = true;
		expect(await resync(id)).toEqual({
			status: 502,
			json: { error: { code: "STARRTC_REFUSED", message: "syncGroupList: proxy unreachable: TypeError: connection refused" } },
		});
		expect((await call("GET", `/v1/groups/${id}`)).json).toMatchObject({ version: 1, memberCount: 2, starrtc: { pending: false } });
	});

	it("changes waiting out their backoff go through at once after a resync, and StarRTC ends where we are", async ({ expect }) => {
		const id = await create("wb-alice", ["wb-bob"]);
		await drainOutbox(id);
		proxy.down = true;
		await call("POST", `/v1/groups/${id}/members`, { userIds: ["wb-carol"] });
		await call("PUT", `/v1/groups/${id}/members/wb-bob/dnd`);
		// Failed tries in a row: the next alarm is seconds away (backoff 1 s doubling).
		for (let i = 0; i < 4; i++) await runDurableObjectAlarm(env.GROUPS.getByName(id));
		expect(await waitingForStarRtc(id)).toBe(2);
		proxy.down = false;
		expect(await resync(id)).toEqual({ status: 200, json: { groupId: id, version: 3, resynced: true } });
		// No alarm run here: the resync itself set the waiting rows going.
		await until(async () => (await waitingForStarRtc(id)) === 0, "the waiting changes to be delivered", 1500);
		expect(proxy.groups.get(id)).toEqual({ members: ["wb-alice", "wb-bob", "wb-carol"], ignoring: new Set(["wb-bob"]) });
		expect((await call("GET", `/v1/groups/${id}`)).json).toMatchObject({ starrtc: { pending: false, lastErrorCurrent: false } });
	});

	it("a callback while the state is in flight: the state is sent again as the group is now", async ({ expect }) => {
		const id = await create("cf-alice", ["cf-bob", "cf-carol"]);
		await drainOutbox(id);
		const before = proxy.calls.length;
		const held = proxy.hold("syncGroupList");
		const answer = resync(id);
		await until(() => held.arrived, "the state to reach the proxy");
		expect((await post({ action: "AEC_GROUP_REMOVE_USER", userId: "cf-alice", groupId: id, removeUsers: "cf-carol" })).body).toBe(DONE);
		held.release();
		expect(await answer).toEqual({ status: 200, json: { groupId: id, version: 2, resynced: true } });
		expect(proxy.calls.slice(before)).toEqual([
			{ name: "syncGroupList", params: { groupId: id, groupList: "cf-alice,cf-bob,cf-carol" } },
			{ name: "syncGroupList", params: { groupId: id, groupList: "cf-alice,cf-bob" } },
		]);
		expect(proxy.groups.get(id)?.members).toEqual(["cf-alice", "cf-bob"]);
	});

	it("refuses a user token, a group that is not here, a malformed id; nothing is sent", async ({ expect }) => {
		const id = await create("ru-alice", ["ru-bob"]);
		await drainOutbox(id);
		const deleted = await create("ru-alice", []);
		await call("DELETE", `/v1/groups/${deleted}`);
		await drainOutbox(deleted);
		const before = proxy.calls.length;
		const asUser = await call("POST", `/v1/groups/${id}/starrtc/resync`, undefined, {
			Authorization: `Bearer ${await userToken("ru-alice")}`,
		});
		expect(asUser.status).toBe(403);
		expect(asUser.json.error?.code).toBe("FORBIDDEN");
		expect(await resync("999999999")).toEqual({ status: 404, json: { error: { code: "UNKNOWN_GROUP", message: "no such group" } } });
		expect((await resync(deleted)).json.error?.code).toBe("UNKNOWN_GROUP");
		expect((await resync("01")).status).toBe(400);
		expect(proxy.calls.length).toBe(before);
	});
});
