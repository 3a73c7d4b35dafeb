import { evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, it } from "vitest";
import { appCall as call, appCreate } from "../api/client";
import { drainOutbox, failStatements, loggedLines } from "../helpers";
import { StubProxy } from "./stub-proxy";

// The StarRTC rows of a group's outbox (this project runs with STARRTC_PROXY_URL set to the stub).
const proxy = new StubProxy();
beforeAll(() => void proxy.install());
beforeEach(() => proxy.reset());

const group = (id: string) => env.GROUPS.getByName(id);
const status = async (id: string) => (await call("GET", `/v1/groups/${id}`)).json.starrtc as { pending: boolean; lastError?: string };

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
});
