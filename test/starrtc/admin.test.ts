import { beforeAll, beforeEach, describe, it } from "vitest";
import { appCall as call, appCreate as create } from "../api/client";
import { DONE, drainOutbox, post, roster, syncAll, until } from "../helpers";
import { StubProxy } from "./stub-proxy";

// This project runs with STARRTC_PROXY_URL set to the stub (vitest.config.ts). One stub for
// the whole file: alarms of earlier tests' groups may still fire, and must not reach the network.
const proxy = new StubProxy();
beforeAll(() => void proxy.install());
beforeEach(() => proxy.reset());

describe("admin changes are told to StarRTC's proxy, in order, once each", () => {
	it("create → syncGroupList; add → addUsersToGroup; remove → delUsersFromGroup; DND → set/unsetPushIgnore; delete → syncGroupList without a list", async ({
		expect,
	}) => {
		const created = await call("POST", "/v1/groups", { creator: "ad-alice", members: ["ad-bob", "ad-alice"], name: "Course" });
		expect(created.status).toBe(201);
		expect(created.json).toMatchObject({ memberCount: 2, version: 1 });
		// Delivery starts right after the change: by the time the create is answered it may be done.
		expect(["pending", "told"]).toContain(created.json.starrtc);
		const id = String(created.json.groupId);
		expect(await syncAll(id)).toBe(roster("ad-alice,ad-bob"));
		// Delivered after each change here; see below for changes that pile up before delivery.
		await drainOutbox(id);
		expect((await call("POST", `/v1/groups/${id}/members`, { userIds: ["ad-carol", "ad-dave"] })).json).toMatchObject({
			memberCount: 4,
			version: 2,
		});
		await drainOutbox(id);
		expect((await call("PUT", `/v1/groups/${id}/members/ad-bob/dnd`)).status).toBe(200);
		await drainOutbox(id);
		expect((await call("DELETE", `/v1/groups/${id}/members/ad-bob/dnd`)).status).toBe(200);
		await drainOutbox(id);
		expect((await call("DELETE", `/v1/groups/${id}/members/ad-dave`)).json).toMatchObject({ memberCount: 3 });
		await drainOutbox(id);
		expect((await call("POST", `/v1/groups/${id}/members/remove`, { userIds: ["ad-carol"] })).json).toMatchObject({
			memberCount: 2,
			version: 6,
		});
		await drainOutbox(id);
		expect((await call("GET", `/v1/groups/${id}`)).json).toMatchObject({ version: 6, starrtc: { proxy: true, pending: false } });
		expect((await call("DELETE", `/v1/groups/${id}`)).status).toBe(200);
		await drainOutbox(id);
		expect(proxy.callsFor(id)).toEqual([
			{ name: "syncGroupList", params: { groupId: id, groupList: "ad-alice,ad-bob" } },
			{ name: "addUsersToGroup", params: { groupId: id, addedUsers: "ad-carol,ad-dave" } },
			{ name: "setPushIgnore", params: { groupId: id, ignoreList: "ad-bob" } },
			{ name: "unsetPushIgnore", params: { groupId: id, ignoreList: "ad-bob" } },
			{ name: "delUsersFromGroup", params: { groupId: id, deledUsers: "ad-dave" } },
			{ name: "delUsersFromGroup", params: { groupId: id, deledUsers: "ad-carol" } },
			{ name: "syncGroupList", params: { groupId: id } },
		]);
		expect(await syncAll(id)).toBe('{"status":"0","data":"47"}');
	});

	it("changes that pile up before delivery are told as the group is when sent, so StarRTC ends where we are", async ({ expect }) => {
		const id = await create("pl-alice", ["pl-bob"]);
		await drainOutbox(id);
		proxy.down = true; // the immediate deliveries fail; the rows wait
		await call("POST", `/v1/groups/${id}/members`, { userIds: ["pl-carol", "pl-dave"] });
		await call("PUT", `/v1/groups/${id}/members/pl-carol/dnd`);
		await call("DELETE", `/v1/groups/${id}/members/pl-dave`);
		proxy.down = false;
		await drainOutbox(id);
		// dave's add is told as what is true now (he is out), then his removal once more: harmless repeats.
		expect(proxy.callsFor(id).slice(1)).toEqual([
			{ name: "addUsersToGroup", params: { groupId: id, addedUsers: "pl-carol" } },
			{ name: "delUsersFromGroup", params: { groupId: id, deledUsers: "pl-dave" } },
			{ name: "setPushIgnore", params: { groupId: id, ignoreList: "pl-carol" } },
			{ name: "delUsersFromGroup", params: { groupId: id, deledUsers: "pl-dave" } },
		]);
		expect(proxy.groups.get(id)).toEqual({ members: ["pl-alice", "pl-bob", "pl-carol"], ignoring: new Set(["pl-carol"]) });
	});

	it("changes from StarRTC's own callbacks are not sent back", async ({ expect }) => {
		const id = await create("cb-alice", ["cb-bob"]);
		await drainOutbox(id);
		const before = proxy.callsFor(id).length;
		await post({ action: "AEC_GROUP_ADD_USER", userId: "cb-alice", groupId: id, addUsers: "cb-carol" });
		await post({ action: "AEC_SET_GROUP_PUSH_IGNORE", userId: "cb-bob", groupId: id });
		await drainOutbox(id);
		expect(proxy.callsFor(id).length).toBe(before);
	});

	it("an incremental call on a group groupServer does not hold becomes syncGroupList with the whole state", async ({ expect }) => {
		const id = await create("ns-alice", ["ns-bob"]);
		await drainOutbox(id);
		proxy.groups.clear(); // groupServer restarted and forgot the group
		await call("POST", `/v1/groups/${id}/members`, { userIds: ["ns-carol"] });
		await drainOutbox(id);
		expect(proxy.callsFor(id).slice(-2)).toEqual([
			{ name: "addUsersToGroup", params: { groupId: id, addedUsers: "ns-carol" } },
			{ name: "syncGroupList", params: { groupId: id, groupList: "ns-alice,ns-bob,ns-carol" } },
		]);
		expect(proxy.groups.get(id)?.members).toEqual(["ns-alice", "ns-bob", "ns-carol"]);
	});

	it("a proxy that is down gets every change afterwards, in order, and GET shows what is pending and why", async ({ expect }) => {
		const id = await create("dn-alice", ["dn-bob"]);
		await drainOutbox(id);
		proxy.down = true;
		await call("POST", `/v1/groups/${id}/members`, { userIds: ["dn-carol"] });
		await call("PUT", `/v1/groups/${id}/members/dn-carol/dnd`);
		await call("DELETE", `/v1/groups/${id}/members/dn-bob`);
		const { runDurableObjectAlarm } = await import("cloudflare:test");
		const { env } = await import("cloudflare:workers");
		await runDurableObjectAlarm(env.GROUPS.getByName(id));
		const pending = (await call("GET", `/v1/groups/${id}`)).json;
		expect(pending).toMatchObject({ version: 4, starrtc: { proxy: true, pending: true, toldVersion: 1 } });
		expect(String((pending.starrtc as { lastError?: string }).lastError)).toMatch(/unreachable/);
		proxy.down = false;
		await drainOutbox(id);
		expect(
			proxy
				.callsFor(id)
				.slice(-3)
				.map((c) => c.name),
		).toEqual(["addUsersToGroup", "setPushIgnore", "delUsersFromGroup"]);
		expect(proxy.groups.get(id)).toEqual({ members: ["dn-alice", "dn-carol"], ignoring: new Set(["dn-carol"]) });
		expect((await call("GET", `/v1/groups/${id}`)).json).toMatchObject({ starrtc: { pending: false } });
	});

	it("StarRTC's copy converges when a queued admin add crosses a client's remove", async ({ expect }) => {
		const id = await create("cr-alice", ["cr-bob"]);
		await drainOutbox(id);
		// The admin add of carol is queued; before it is delivered, a client removes carol
		// (a callback: we commit, and StarRTC applies it to its own copy).
		await call("POST", `/v1/groups/${id}/members`, { userIds: ["cr-carol"] });
		const removed = await post({ action: "AEC_GROUP_REMOVE_USER", userId: "cr-alice", groupId: id, removeUsers: "cr-carol" });
		expect(removed.body).toBe('{"status":"1"}');
		proxy.applyCallback(id, { remove: ["cr-carol"] });
		await drainOutbox(id);
		expect(proxy.groups.get(id)?.members).toEqual(["cr-alice", "cr-bob"]);
		expect(await syncAll(id)).toBe(roster("cr-alice,cr-bob"));
	});

	it("a callback while a call is in flight: the calls are worked out again, and sent again only where they differ", async ({ expect }) => {
		const id = await create("fl-alice", ["fl-bob"]);
		await drainOutbox(id);
		// bob turns DND on while carol's add is in flight: the add's calls come out the same, nothing is sent twice.
		let held = proxy.hold("addUsersToGroup");
		await call("POST", `/v1/groups/${id}/members`, { userIds: ["fl-carol"] });
		await until(() => held.arrived, "the add to reach the proxy");
		expect((await post({ action: "AEC_SET_GROUP_PUSH_IGNORE", userId: "fl-bob", groupId: id })).body).toBe(DONE);
		held.release();
		await drainOutbox(id);
		// A client removes dave while his add is in flight; StarRTC applies the removal, then the add.
		held = proxy.hold("addUsersToGroup");
		await call("POST", `/v1/groups/${id}/members`, { userIds: ["fl-dave"] });
		await until(() => held.arrived, "the add to reach the proxy");
		expect((await post({ action: "AEC_GROUP_REMOVE_USER", userId: "fl-alice", groupId: id, removeUsers: "fl-dave" })).body).toBe(DONE);
		proxy.applyCallback(id, { remove: ["fl-dave"] });
		held.release();
		await drainOutbox(id);
		expect(proxy.callsFor(id).slice(1)).toEqual([
			{ name: "addUsersToGroup", params: { groupId: id, addedUsers: "fl-carol" } },
			{ name: "addUsersToGroup", params: { groupId: id, addedUsers: "fl-dave" } },
			{ name: "delUsersFromGroup", params: { groupId: id, deledUsers: "fl-dave" } },
		]);
		expect(proxy.groups.get(id)?.members).toEqual(["fl-alice", "fl-bob", "fl-carol"]);
	});

	it("a group that changes during each of three tries is left pending with the reason, and told once it holds still", async ({
		expect,
	}) => {
		const id = await create("kc-alice", ["kc-bob"]);
		await drainOutbox(id);
		let step = 0;
		const byClient = async (change: "add" | "remove") => {
			// A nonce per step: the same data twice would be a replay, void.
			const data =
				change === "add"
					? { action: "AEC_GROUP_ADD_USER", userId: "kc-alice", groupId: id, addUsers: "kc-carol", nonce: String(++step) }
					: { action: "AEC_GROUP_REMOVE_USER", userId: "kc-alice", groupId: id, removeUsers: "kc-carol", nonce: String(++step) };
			expect((await post(data)).body).toBe(DONE);
			proxy.applyCallback(id, change === "add" ? { add: ["kc-carol"] } : { remove: ["kc-carol"] });
		};
		let held = proxy.hold("addUsersToGroup");
		await call("POST", `/v1/groups/${id}/members`, { userIds: ["kc-carol"] });
		// Each try finds carol's state flipped by a client while its call was in flight.
		for (const [change, next] of [
			["remove", "delUsersFromGroup"],
			["add", "addUsersToGroup"],
			["remove", undefined],
		] as const) {
			await until(() => held.arrived, "a try to reach the proxy");
			await byClient(change);
			const current = held;
			if (next) held = proxy.hold(next);
			current.release();
		}
		const lastError = async () => ((await call("GET", `/v1/groups/${id}`)).json.starrtc as { lastError?: string }).lastError;
		await until(async () => (await lastError()) !== undefined, "the failed try to be recorded");
		expect(await lastError()).toBe("the group kept changing while StarRTC was told; trying again");
		await drainOutbox(id);
		expect(proxy.groups.get(id)?.members).toEqual(["kc-alice", "kc-bob"]);
		expect(await syncAll(id)).toBe(roster("kc-alice,kc-bob"));
	});

	it("a refused admin change sends nothing and changes nothing", async ({ expect }) => {
		const id = await create("rf-alice", ["rf-bob"]);
		await drainOutbox(id);
		const before = proxy.callsFor(id).length;
		const refusals = [
			[await call("POST", `/v1/groups/${id}/members/remove`, { userIds: ["rf-bob", "rf-alice"] }), 409, "REMOVE_CREATOR"],
			[await call("DELETE", `/v1/groups/${id}/members/rf-alice`), 409, "REMOVE_CREATOR"],
			[await call("PUT", `/v1/groups/${id}/members/rf-zed/dnd`), 404, "NO_SUCH_MEMBER"],
			[await call("POST", `/v1/groups/${id}/members`, { userIds: ["ok", 'bad"quote,'] }), 400, "BAD_REQUEST"],
			[await call("POST", `/v1/groups/${id}/members`, { userIds: [] }), 400, "BAD_REQUEST"],
			[await call("POST", "/v1/groups/999999999/members", { userIds: ["x"] }), 404, "UNKNOWN_GROUP"],
			[
				await call("POST", `/v1/groups/${id}/members`, { userIds: ["x"] }, { Authorization: "Bearer nope-nope-nope-nope" }),
				401,
				"TOKEN_BAD_SIGNATURE",
			],
		] as const;
		for (const [answer, status, code] of refusals) expect([answer.status, answer.json.error?.code]).toEqual([status, code]);
		await drainOutbox(id);
		expect(proxy.callsFor(id).length).toBe(before);
		expect(await syncAll(id)).toBe(roster("rf-alice,rf-bob"));
	});

	it("a retried create with the same Idempotency-Key returns the same group", async ({ expect }) => {
		const first = await call("POST", "/v1/groups", { creator: "ik-alice", members: [] }, { "Idempotency-Key": "course-42" });
		expect(first.status, JSON.stringify(first.json)).toBe(201);
		const again = await call("POST", "/v1/groups", { creator: "ik-alice", members: [] }, { "Idempotency-Key": "course-42" });
		const other = await call("POST", "/v1/groups", { creator: "ik-alice", members: [] }, { "Idempotency-Key": "course-43" });
		expect(again.json.groupId).toBe(first.json.groupId);
		expect(other.json.groupId).not.toBe(first.json.groupId);
	});
});

describe("messages from the app's backend", () => {
	it("are relayed at once with their digest; oversized or empty ones are refused here", async ({ expect }) => {
		const id = await create("ms-alice", ["ms-bob"]);
		proxy.groups.clear(); // groupServer does not hold the group (yet): it gets the whole state first
		const pushed = await call("POST", `/v1/groups/${id}/messages`, { msg: "hello", digest: "hi" });
		expect(pushed.json, JSON.stringify(pushed.json)).toEqual({ sent: true });
		expect(proxy.calls.at(-1)).toEqual({ name: "pushGroupMsg", params: { groupId: id, msg: "hello", digest: "hi" } });
		expect((await call("POST", "/v1/messages", { toUsers: ["ms-bob", "ms-zed"], msg: "sys", digest: "d" })).json).toEqual({ sent: true });
		expect(proxy.calls.at(-1)).toEqual({ name: "pushSystemMsgToUsers", params: { toUsers: "ms-bob,ms-zed", msg: "sys", digest: "d" } });
		await drainOutbox(id);
		const before = proxy.calls.length;
		expect((await call("POST", "/v1/messages", { toUsers: [], msg: "x", digest: "d" })).status).toBe(400);
		expect((await call("POST", `/v1/groups/${id}/messages`, { msg: "x".repeat(8193), digest: "d" })).status).toBe(400);
		expect((await call("POST", `/v1/groups/${id}/messages`, { msg: "x" })).status).toBe(400);
		expect(proxy.calls.length).toBe(before);
	});

	it("a group groupServer does not hold gets its whole state and the message once more; nothing more when it holds it or refuses the state", async ({
		expect,
	}) => {
		const id = await create("mr-alice", ["mr-bob"]);
		await drainOutbox(id);
		const sent = async (msg: string) => {
			const from = proxy.calls.length;
			const answer = await call("POST", `/v1/groups/${id}/messages`, { msg, digest: "d" });
			return [answer.status, answer.json, proxy.calls.slice(from).map((c) => c.name)];
		};
		// Exactly 8 KiB is relayed, in one call, to a group groupServer holds.
		expect(await sent("x".repeat(8 * 1024))).toEqual([200, { sent: true }, ["pushGroupMsg"]]);
		proxy.groups.clear();
		expect(await sent("again")).toEqual([200, { sent: true }, ["pushGroupMsg", "syncGroupList", "pushGroupMsg"]]);
		proxy.groups.clear();
		proxy.refusing.add("syncGroupList");
		expect(await sent("refused")).toEqual([
			502,
			{ error: { code: "STARRTC_REFUSED", message: "GROUPPUSH_ERRID_GROUPID_NOT_SYNC" } },
			["pushGroupMsg", "syncGroupList"],
		]);
	});
});
