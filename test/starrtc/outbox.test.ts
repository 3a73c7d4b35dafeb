import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, it } from "vitest";
import { appCall as call, appCreate, asUser } from "../api/client";
import { drainOutbox, failStatements, loggedLines } from "../helpers";
import { StubProxy } from "./stub-proxy";

// The StarRTC rows of a group's outbox (this project runs with STARRTC_PROXY_URL set to the stub).
const proxy = new StubProxy();
beforeAll(() => void proxy.install());
beforeEach(() => proxy.reset());

const group = (id: string) => env.GROUPS.getByName(id);
const status = async (id: string) =>
	(await call("GET", `/v1/groups/${id}`)).json.starrtc as {
		pending: boolean;
		lastError?: string;
		lastErrorAt?: number;
		lastErrorCurrent?: boolean;
	};

describe("StarRTC's rows in the outbox", () => {
	it("a storage failure while delivering is a failed try: kept, its reason shown (500 characters) and logged (200)", async ({ expect }) => {
		const id = await appCreate("sf-alice", []);
		await drainOutbox(id);
		const long = "y".repeat(600);
		// Reading the next row, and deleting one StarRTC took (then it is sent again: the calls are repeatable).
		for (const [n, statement] of [/^SELECT seq, payload FROM outbox WHERE destination/, /^DELETE FROM outbox WHERE seq = \?/].entries()) {
			await failStatements(group(id), statement, { message: long });
			// The delivery right after the change fails; the alarm waits for it, then fails again.
			const logged = await loggedLines(async () => {
				await call("POST", `/v1/groups/${id}/members`, { userIds: [`sf-${n}`] });
				await runDurableObjectAlarm(group(id));
			});
			expect(logged, statement.source).toContainEqual({ outbox: "starrtc", outcome: "RETRY", reason: `Error: ${long}`.slice(0, 200) });
			expect(await status(id)).toMatchObject({ pending: true, lastError: `Error: ${long}`.slice(0, 500) });
			await evictDurableObject(group(id));
			await drainOutbox(id);
			expect((await status(id)).pending).toBe(false);
		}
	});

	it("one alarm delivers a backlog of 70 changes to the end, one at a time", async ({ expect }) => {
		const id = await appCreate("bl-alice", []);
		await drainOutbox(id);
		proxy.down = true;
		for (let n = 0; n < 70; n++) await call("POST", `/v1/groups/${id}/members`, { userIds: [`bl-${n}`] });
		// An alarm while a delivery runs waits for it: this one settles the failing delivery after the last change.
		await runDurableObjectAlarm(group(id));
		proxy.down = false;
		await runDurableObjectAlarm(group(id));
		expect(await status(id)).toMatchObject({ pending: false });
		expect(proxy.groups.get(id)?.members).toHaveLength(71);
	});

	it("GET shows whether the last error is current: while tries fail, and no more once a later try succeeded (the error kept); to the API token only", async ({
		expect,
	}) => {
		const id = await appCreate("lc-alice", ["lc-bob"]);
		await drainOutbox(id);
		expect(await status(id)).toEqual({ proxy: true, pending: false });
		proxy.down = true;
		await call("POST", `/v1/groups/${id}/members`, { userIds: ["lc-carol"] });
		await runDurableObjectAlarm(group(id));
		const failing = await status(id);
		expect(failing).toMatchObject({ pending: true, lastError: expect.stringMatching(/connection refused/), lastErrorCurrent: true });
		expect(failing.lastErrorAt).toBeGreaterThan(Date.now() - 60_000);
		// A member reading the group sees neither the proxy's words nor the delivery state.
		const asMember = await call("GET", `/v1/groups/${id}`, undefined, await asUser("lc-bob"));
		expect(asMember.status).toBe(200);
		expect(asMember.json).not.toHaveProperty("starrtc");
		proxy.down = false;
		await drainOutbox(id);
		expect(await status(id)).toEqual({
			proxy: true,
			pending: false,
			lastError: failing.lastError,
			lastErrorAt: failing.lastErrorAt,
			lastErrorCurrent: false,
		});
		// A new failure is current again.
		proxy.down = true;
		await call("POST", `/v1/groups/${id}/members`, { userIds: ["lc-dave"] });
		await runDurableObjectAlarm(group(id));
		expect(await status(id)).toMatchObject({ pending: true, lastErrorCurrent: true });
		proxy.down = false;
		await drainOutbox(id);
	});

	it("a group stored before lastErrorCurrent gets its column on waking; its old error reads as not current", async ({ expect }) => {
		const id = await appCreate("mg-alice", []);
		await drainOutbox(id);
		await runInDurableObject(group(id), (_, state) => {
			state.storage.sql.exec("DROP TABLE starrtc_delivery");
			state.storage.sql.exec(
				"CREATE TABLE starrtc_delivery (singleton INTEGER PRIMARY KEY CHECK (singleton = 1), last_error TEXT NOT NULL, at INTEGER NOT NULL)",
			);
			state.storage.sql.exec("INSERT INTO starrtc_delivery VALUES (1, 'old error', 5)");
		});
		await evictDurableObject(group(id));
		expect(await status(id)).toEqual({ proxy: true, pending: false, lastError: "old error", lastErrorAt: 5, lastErrorCurrent: false });
	});
});
