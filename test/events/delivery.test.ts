import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { appCall, appCreate } from "../api/client";
import { DONE, createGroup, post, syncAll, until } from "../helpers";
import { type Received, Receiver, deliverAll, replay, rosterOf } from "./receiver";

const receiver = new Receiver();
beforeAll(() => void receiver.install());
beforeEach(() => receiver.reset());
afterEach(() => {
	vi.useRealTimers();
	expect(receiver.unverified, "messages that did not verify").toEqual([]);
	expect(receiver.strangers, "requests to another URL").toEqual([]);
});

const webhookState = async (id: string) => (await appCall("GET", `/v1/groups/${id}`)).json.webhook as Record<string, unknown>;
const summary = (messages: Received[]) => messages.map((m) => [m.data.version, m.type, m.data.origin, m.data.actor, m.data.userIds]);
const importGroup = (id: string, body: object, overwrite = false) =>
	appCall("PUT", `/v1/groups/${id}${overwrite ? "?overwrite=true" : ""}`, { createdAt: 1_700_000_000_000, ...body });

describe("every committed change reaches the webhook receiver", () => {
	it("from StarRTC's callbacks: each kind, in version order, with its actor and users, and replays to SYNC_ALL", async () => {
		const id = await createGroup("cb-alice", ["cb-alice", "cb-bob", "cb-carol"], "the name");
		const act = async (fields: Record<string, string>) => expect((await post({ ...fields, groupId: id })).body).toBe(DONE);
		await act({ action: "AEC_GROUP_ADD_USER", userId: "cb-alice", addUsers: "cb-dave,cb-erin" });
		await act({ action: "AEC_SET_GROUP_PUSH_IGNORE", userId: "cb-bob" });
		await act({ action: "AEC_SET_GROUP_PUSH_IGNORE", userId: "cb-dave" });
		await act({ action: "AEC_UNSET_GROUP_PUSH_IGNORE", userId: "cb-bob" });
		await act({ action: "AEC_GROUP_REMOVE_USER", userId: "cb-alice", removeUsers: "cb-carol" });
		await deliverAll(id);
		const messages = receiver.of(id);
		expect(summary(messages)).toEqual([
			[1, "group.created", "starrtc", "cb-alice", ["cb-alice", "cb-bob", "cb-carol"]],
			[2, "group.members_added", "starrtc", "cb-alice", ["cb-dave", "cb-erin"]],
			[3, "group.dnd_on", "starrtc", "cb-bob", ["cb-bob"]],
			[4, "group.dnd_on", "starrtc", "cb-dave", ["cb-dave"]],
			[5, "group.dnd_off", "starrtc", "cb-bob", ["cb-bob"]],
			[6, "group.members_removed", "starrtc", "cb-alice", ["cb-carol"]],
		]);
		const created = messages[0]?.data;
		expect(created).toEqual({
			groupId: id,
			version: 1,
			part: 1,
			parts: 1,
			origin: "starrtc",
			actor: "cb-alice",
			userIds: ["cb-alice", "cb-bob", "cb-carol"],
			name: "the name",
			creator: "cb-alice",
			createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
			doNotDisturb: [],
		});
		expect(JSON.parse(messages[1]?.body ?? "")).toEqual({
			type: "group.members_added",
			timestamp: expect.any(String),
			data: expect.any(Object),
		});
		// Each message once: the receiver acknowledged every one at the first try.
		expect(receiver.tries.filter((t) => t.data.groupId === id)).toHaveLength(6);
		expect(rosterOf(replay(messages))).toBe(await syncAll(id));
		await act({ action: "AEC_GROUP_DEL", userId: "cb-alice" });
		await deliverAll(id);
		expect(summary(receiver.of(id)).at(-1)).toEqual([
			7,
			"group.deleted",
			"starrtc",
			"cb-alice",
			["cb-alice", "cb-bob", "cb-dave", "cb-erin"],
		]);
		expect(replay(receiver.of(id)).deleted).toBe(true);
	});

	it("from the app's API: each kind, with no actor", async () => {
		const id = await appCreate("ap-alice", ["ap-bob"], "app group");
		await appCall("POST", `/v1/groups/${id}/members`, { userIds: ["ap-carol", "ap-dave"] });
		await appCall("PUT", `/v1/groups/${id}/members/ap-bob/dnd`);
		await appCall("DELETE", `/v1/groups/${id}/members/ap-bob/dnd`);
		await appCall("POST", `/v1/groups/${id}/members/remove`, { userIds: ["ap-dave", "ap-carol"] });
		await appCall("PUT", `/v1/groups/${id}/members/ap-carol/dnd`); // not a member: refused, no message
		await deliverAll(id);
		expect(rosterOf(replay(receiver.of(id)))).toBe(await syncAll(id));
		await appCall("DELETE", `/v1/groups/${id}`);
		await deliverAll(id);
		expect(summary(receiver.of(id))).toEqual([
			[1, "group.created", "app", null, ["ap-alice", "ap-bob"]],
			[2, "group.members_added", "app", null, ["ap-carol", "ap-dave"]],
			[3, "group.dnd_on", "app", null, ["ap-bob"]],
			[4, "group.dnd_off", "app", null, ["ap-bob"]],
			[5, "group.members_removed", "app", null, ["ap-dave", "ap-carol"]],
			[6, "group.deleted", "app", null, ["ap-alice", "ap-bob"]],
		]);
		expect(receiver.of(id)[0]?.data).toMatchObject({ name: "app group", creator: "ap-alice" });
	});

	it("from an import: the whole group, created and then replaced, DND included", async () => {
		const id = "880001";
		expect(
			(await importGroup(id, { creator: "im-alice", members: ["im-bob", "im-carol"], doNotDisturb: ["im-bob"], name: "old" })).status,
		).toBe(201);
		// The same content again changes nothing and says nothing.
		expect(
			(await importGroup(id, { creator: "im-alice", members: ["im-bob", "im-carol"], doNotDisturb: ["im-bob"], name: "old" })).status,
		).toBe(200);
		await importGroup(id, { creator: "im-alice", members: ["im-dave", "im-bob"], doNotDisturb: ["im-dave"], name: "new" }, true);
		await deliverAll(id);
		const messages = receiver.of(id);
		expect(
			messages.map((m) => [m.type, m.data.result, m.data.origin, m.data.actor, m.data.userIds, m.data.doNotDisturb, m.data.name]),
		).toEqual([
			["group.imported", "created", "import", null, ["im-alice", "im-bob", "im-carol"], ["im-bob"], "old"],
			["group.imported", "replaced", "import", null, ["im-alice", "im-dave", "im-bob"], ["im-dave"], "new"],
		]);
		expect(messages[0]?.data.createdAt).toBe(new Date(1_700_000_000_000).toISOString());
		expect(rosterOf(replay(messages))).toBe(await syncAll(id));
	});

	it("a revived group: group.imported with result revived, its version right after the deletion's", async () => {
		const id = await createGroup("rv-alice", ["rv-alice", "rv-bob"], "revived");
		await post({ action: "AEC_SET_GROUP_PUSH_IGNORE", userId: "rv-bob", groupId: id });
		const line = (await appCall("GET", `/v1/groups/${id}/export`)).json;
		expect((await post({ action: "AEC_GROUP_DEL", userId: "rv-alice", groupId: id })).body).toBe(DONE);
		expect((await appCall("PUT", `/v1/groups/${id}?revive=true`, line)).status).toBe(201);
		await deliverAll(id);
		const messages = receiver.of(id);
		expect(messages.map((m) => [m.data.version, m.type, m.data.result, m.data.userIds, m.data.doNotDisturb])).toEqual([
			[1, "group.created", undefined, ["rv-alice", "rv-bob"], []],
			[2, "group.dnd_on", undefined, ["rv-bob"], undefined],
			[3, "group.deleted", undefined, ["rv-alice", "rv-bob"], undefined],
			[4, "group.imported", "revived", ["rv-alice", "rv-bob"], ["rv-bob"]],
		]);
		expect(rosterOf(replay(messages))).toBe(await syncAll(id));
	});

	it("a change touching 1,200 users comes in three parts of at most 500 ids, in join order, one version", async () => {
		const members = Array.from({ length: 1200 }, (_, i) => `big-${i}`);
		const id = await appCreate("big-0", members, "big");
		await deliverAll(id);
		const messages = receiver.of(id);
		expect(messages.map((m) => [m.data.version, m.data.part, m.data.parts, m.data.userIds.length, m.data.name])).toEqual([
			[1, 1, 3, 500, "big"],
			[1, 2, 3, 500, "big"],
			[1, 3, 3, 200, "big"],
		]);
		expect(messages.flatMap((m) => m.data.userIds)).toEqual(members);
		expect(new Set(messages.map((m) => m.id)).size).toBe(3);
		expect(rosterOf(replay(messages))).toBe(await syncAll(id));
		expect(await webhookState(id)).toMatchObject({ pending: 0, deliveredVersion: 1 });
	});

	it("a callback never waits for the receiver: answered while its message is still on the way", async () => {
		const id = await createGroup("nw-alice", ["nw-alice"]);
		await deliverAll(id);
		receiver.holdMs = 200;
		expect((await post({ action: "AEC_GROUP_ADD_USER", userId: "nw-alice", groupId: id, addUsers: "nw-bob" })).body).toBe(DONE);
		expect(receiver.of(id)).toHaveLength(1);
		await until(() => receiver.of(id).length === 2, "the message to arrive");
	});
});

describe("retries", () => {
	it("a receiver answering 500, 400 and 302 before 200 gets the messages in order with unchanged ids, each after the one before was acknowledged", async () => {
		const id = await createGroup("rt-alice", ["rt-alice"]);
		await deliverAll(id);
		receiver.answers.push(500, 400, 302);
		for (const user of ["rt-bob", "rt-carol", "rt-dave"]) {
			await post({ action: "AEC_GROUP_ADD_USER", userId: "rt-alice", groupId: id, addUsers: user });
		}
		await until(async () => (await webhookState(id)).lastErrorCurrent === true, "a failed try");
		const failing = await webhookState(id);
		expect(failing).toMatchObject({
			on: true,
			pending: 3,
			deliveredVersion: 1,
			givenUp: 0,
			lastError: expect.stringMatching(/^receiver answered HTTP (500|400|302)$/),
		});
		expect(failing.lastErrorAt).toBeGreaterThan(Date.now() - 60_000);
		await deliverAll(id);
		const tries = receiver.tries.filter((t) => t.data.groupId === id && t.data.version > 1);
		expect(tries.map((t) => [t.data.version, t.status])).toEqual([
			[2, 500],
			[2, 400],
			[2, 302],
			[2, 204],
			[3, 204],
			[4, 204],
		]);
		expect(new Set(tries.slice(0, 4).map((t) => t.id)).size).toBe(1);
		expect(new Set(tries.map((t) => t.id)).size).toBe(3);
		expect(await webhookState(id)).toMatchObject({
			pending: 0,
			deliveredVersion: 4,
			lastErrorCurrent: false,
			lastError: "receiver answered HTTP 302",
		});
	});

	it("a receiver that is down or does not answer within WEBHOOK_TIMEOUT_MS is tried again", async () => {
		const id = await createGroup("to-alice", ["to-alice"]);
		await deliverAll(id);
		receiver.down = true;
		await post({ action: "AEC_GROUP_ADD_USER", userId: "to-alice", groupId: id, addUsers: "to-bob" });
		await until(async () => (await webhookState(id)).lastErrorCurrent === true, "a failed try");
		expect((await webhookState(id)).lastError).toMatch(/^receiver unreachable: .*connection refused/);
		receiver.down = false;
		receiver.holdMs = 1000; // WEBHOOK_TIMEOUT_MS is 300 in this project
		await until(async () => receiver.tries.some((t) => t.data.version === 2 && t.status === 0), "a try to time out");
		await until(async () => /did not answer in time/.test(String((await webhookState(id)).lastError)), "the time-out to be recorded");
		receiver.holdMs = 0;
		await deliverAll(id);
		expect(receiver.of(id).map((m) => m.data.version)).toEqual([1, 2]);
	});

	it("a message not acknowledged within 3 days is given up: logged, counted, marked in the history; the next is sent", async () => {
		const id = await createGroup("gu-alice", ["gu-alice"]);
		await deliverAll(id);
		receiver.down = true;
		await post({ action: "AEC_GROUP_ADD_USER", userId: "gu-alice", groupId: id, addUsers: "gu-bob" });
		await until(async () => (await webhookState(id)).lastErrorCurrent === true, "a failed try");
		const lines: string[] = [];
		const spy = vi.spyOn(console, "log").mockImplementation((line: string) => void lines.push(line));
		try {
			vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 3 * 86_400_000 + 60_000 });
			receiver.down = false;
			await post({ action: "AEC_GROUP_ADD_USER", userId: "gu-alice", groupId: id, addUsers: "gu-carol" });
			await deliverAll(id);
		} finally {
			spy.mockRestore();
		}
		const givenUp = lines.map((line) => JSON.parse(line)).filter((line) => line.outcome === "GIVEN_UP");
		expect(givenUp).toEqual([
			{
				outbox: "webhook",
				outcome: "GIVEN_UP",
				reason: expect.stringMatching(/^not acknowledged within 3 days; last error: receiver unreachable/),
				groupId: id,
				version: 2,
				part: 1,
				webhookId: expect.stringMatching(/^msg_/),
			},
		]);
		expect(receiver.of(id).map((m) => m.data.version)).toEqual([1, 3]);
		expect(await webhookState(id)).toMatchObject({ pending: 0, deliveredVersion: 3, givenUp: 1 });
		const history = (await appCall("GET", `/v1/groups/${id}/events`)).json.events as { webhook: string; data: { version: number } }[];
		expect(history.map((m) => [m.data.version, m.webhook])).toEqual([
			[1, "delivered"],
			[2, "given_up"],
			[3, "delivered"],
		]);
	});
});

describe("signatures", () => {
	it("verify with the secret, and with no other secret, body or id", async () => {
		const id = await createGroup("sg-alice", ["sg-alice"]);
		await deliverAll(id);
		const [message] = receiver.of(id);
		if (!message) throw new Error("no message");
		const headers = { "webhook-id": message.id, "webhook-timestamp": message.timestamp, "webhook-signature": message.signature };
		expect(message.signature).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
		expect(Math.abs(Number(message.timestamp) - Date.now() / 1000)).toBeLessThan(60);
		const { TEST_WEBHOOK_SECRET } = await import("../guard-token");
		expect(new Webhook(TEST_WEBHOOK_SECRET).verify(message.body, headers)).toEqual(JSON.parse(message.body));
		const wrong = new Webhook(`whsec_${btoa("another secret, 24 bytes!")}`);
		expect(() => wrong.verify(message.body, headers)).toThrow(/No matching signature/);
		const right = new Webhook(TEST_WEBHOOK_SECRET);
		expect(() => right.verify(message.body.replace("sg-alice", "sg-mallory"), headers)).toThrow(/No matching signature/);
		expect(() => right.verify(message.body, { ...headers, "webhook-id": "msg_other" })).toThrow(/No matching signature/);
	});
});

describe("the history", () => {
	it("equals what was delivered: the same bodies with their webhook-ids, oldest first, paged", async () => {
		const id = await createGroup("hi-alice", ["hi-alice", "hi-bob"]);
		for (let n = 0; n < 4; n++) await post({ action: "AEC_GROUP_ADD_USER", userId: "hi-alice", groupId: id, addUsers: `hi-${n}` });
		await post({ action: "AEC_SET_GROUP_PUSH_IGNORE", userId: "hi-bob", groupId: id });
		await deliverAll(id);
		const delivered = receiver.of(id);
		const pages: { id: string; webhook: string }[][] = [];
		let path = `/v1/groups/${id}/events?limit=2`;
		for (;;) {
			const page = (await appCall("GET", path)).json as {
				groupId: string;
				version: number;
				events: { id: string; webhook: string }[];
				next?: string;
			};
			expect([page.groupId, page.version]).toEqual([id, 6]);
			pages.push(page.events);
			if (!page.next) break;
			path = `/v1/groups/${id}/events?limit=2&cursor=${page.next}`;
		}
		expect(pages.map((p) => p.length)).toEqual([2, 2, 2]);
		const history = pages.flat();
		expect(history.map(({ id, webhook, ...message }) => [id, webhook, message])).toEqual(
			delivered.map((m) => [m.id, "delivered", JSON.parse(m.body)]),
		);
		const after = (await appCall("GET", `/v1/groups/${id}/events?after=4`)).json.events as { data: { version: number } }[];
		expect(after.map((m) => m.data.version)).toEqual([5, 6]);
	});

	it("of a deleted group stays while its messages wait, unreadable, and is erased once they are delivered", async () => {
		const id = await createGroup("dl-alice", ["dl-alice"]);
		await deliverAll(id);
		receiver.down = true;
		await post({ action: "AEC_GROUP_DEL", userId: "dl-alice", groupId: id });
		expect((await appCall("GET", `/v1/groups/${id}/events`)).status).toBe(404);
		const stored = () =>
			runInDurableObject(
				env.GROUPS.getByName(id),
				(_, state) => state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM events").one().n,
			);
		// What was delivered goes with the delete; the delete's own message waits for the receiver.
		expect(await stored()).toBe(1);
		receiver.down = false;
		await deliverAll(id);
		expect(receiver.of(id).map((m) => m.type)).toEqual(["group.created", "group.deleted"]);
		expect(await stored()).toBe(0);
	});

	it("is kept EVENT_HISTORY_DAYS (30): a later change prunes what is older and delivered", async () => {
		const id = await createGroup("pr-alice", ["pr-alice"]);
		await post({ action: "AEC_GROUP_ADD_USER", userId: "pr-alice", groupId: id, addUsers: "pr-bob" });
		await deliverAll(id);
		vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 31 * 86_400_000 });
		await post({ action: "AEC_GROUP_ADD_USER", userId: "pr-alice", groupId: id, addUsers: "pr-carol" });
		const versions = async () =>
			((await appCall("GET", `/v1/groups/${id}/events`)).json.events as { data: { version: number } }[]).map((m) => m.data.version);
		expect(await versions()).toEqual([3]);
		await deliverAll(id);
		expect(receiver.of(id).map((m) => m.data.version)).toEqual([1, 2, 3]);
	});
});
