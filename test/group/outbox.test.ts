import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it, vi } from "vitest";
import { shardOf } from "../../src/user-index/membership";
import { DONE, createGroup, drainOutbox, failStatements, indexedGroups, loggedLines, post, until } from "../helpers";

// What the index learns of a change waits in the group's outbox until the index shard said it
// applied it. Failures here are injected into the group's own statements.
const group = (id: string) => env.GROUPS.getByName(id);
const waiting = (id: string) =>
	runInDurableObject(group(id), (_, state) => state.storage.sql.exec("SELECT count(*) AS n FROM outbox").one().n);
const alarm = (id: string) => runInDurableObject(group(id), (_, state) => state.storage.getAlarm());
const acknowledging = /^DELETE FROM outbox WHERE destination = \? AND seq/;
const inIndex = async (user: string, id: string) => (await indexedGroups(user)).some((g) => g.groupId === id);
/** Waits until a failed delivery has replaced the 10 s safety net with its backoff. */
const rearmed = (id: string) =>
	until(async () => ((await alarm(id)) ?? Infinity) < Date.now() + 5000, "a failed delivery to re-arm the alarm");

/** Runs `act` and returns how far ahead of now it left the alarm (used where `Date` stands still). */
async function delayAfter(id: string, act: () => Promise<unknown>): Promise<number> {
	await act();
	return ((await alarm(id)) ?? Number.NaN) - Date.now();
}

describe("the outbox", () => {
	it("without STARRTC_PROXY_URL an app change writes no row for StarRTC, in the change's own transaction", async ({ expect }) => {
		const id = await createGroup("alice", ["alice"]);
		const rows = await runInDurableObject(group(id), (instance, state) => {
			const changed = instance.appAddMembers(["bob"]);
			return {
				changed: changed.ok,
				rows: state.storage.sql.exec("SELECT count(*) AS n FROM outbox WHERE destination = 'starrtc'").one().n,
			};
		});
		expect(rows).toEqual({ changed: true, rows: 0 });
	});

	it("retries a failed delivery after a doubling backoff (its second half random), up to 5 minutes, and delivers once it can", async ({
		expect,
	}) => {
		const id = await createGroup("bo-alice", ["bo-alice"]);
		await drainOutbox(id);
		await failStatements(group(id), acknowledging);
		// A day ahead and standing still, so no alarm set here comes due by itself while the test runs
		// it by hand, and each delay is exact: the random half drawn as 0.75 of it.
		vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 86_400_000 });
		const random = vi.spyOn(Math, "random").mockReturnValue(0.75);
		try {
			// The delivery right after the change fails: the 10 s safety net is replaced by the first backoff.
			const first = await delayAfter(id, async () => {
				expect((await post({ action: "AEC_GROUP_ADD_USER", userId: "bo-alice", groupId: id, addUsers: "bo-bob" })).body).toBe(DONE);
				await rearmed(id);
			});
			expect(first).toBe(500 + 0.75 * 500);
			const tryAgain = () => delayAfter(id, () => runDurableObjectAlarm(group(id)));
			expect(await tryAgain()).toBe(1000 + 0.75 * 1000);
			expect(await tryAgain()).toBe(2000 + 0.75 * 2000);
			for (let failure = 4; failure < 12; failure++) await runDurableObjectAlarm(group(id));
			expect(await tryAgain()).toBe(150_000 + 0.75 * 150_000);
		} finally {
			vi.useRealTimers();
			random.mockRestore();
		}
		// The shard applied each try (it applies by version); only the acknowledgement failed, so the rows stay.
		expect(await waiting(id)).toBeGreaterThan(0);
		// Restarted (the fault goes with the old instance): the next try delivers.
		await evictDurableObject(group(id));
		expect(await runDurableObjectAlarm(group(id))).toBe(true);
		expect(await waiting(id)).toBe(0);
		expect(await inIndex("bo-bob", id)).toBe(true);
	});

	it("an object that wakes with rows left and no alarm delivers them on its first call", async ({ expect }) => {
		const id = await createGroup("wk-alice", ["wk-alice"]);
		await drainOutbox(id);
		await failStatements(group(id), acknowledging);
		await post({ action: "AEC_GROUP_ADD_USER", userId: "wk-alice", groupId: id, addUsers: "wk-bob" });
		await rearmed(id);
		// As after a crash that lost the alarm: rows in storage, nothing scheduled.
		await runInDurableObject(group(id), (_, state) => state.storage.deleteAlarm());
		await evictDurableObject(group(id));
		expect(await waiting(id)).toBeGreaterThan(0);
		await group(id).describe();
		await until(async () => (await waiting(id)) === 0, "the woken object to deliver");
		expect(await inIndex("wk-bob", id)).toBe(true);
	});

	it("logs each failed try with the receiver and its reason cut to 200 characters", async ({ expect }) => {
		const id = await createGroup("lg-alice", ["lg-alice"]);
		await drainOutbox(id);
		const long = "x".repeat(300);
		await failStatements(group(id), acknowledging, { message: long });
		await post({ action: "AEC_GROUP_ADD_USER", userId: "lg-alice", groupId: id, addUsers: "lg-bob" });
		const shardFailed = await loggedLines(() => runDurableObjectAlarm(group(id)));
		await evictDurableObject(group(id));
		await failStatements(group(id), /^SELECT seq, destination, payload FROM outbox/, { message: long });
		const readFailed = await loggedLines(() => runDurableObjectAlarm(group(id)));
		const reason = `Error: ${long}`.slice(0, 200);
		expect(shardFailed).toEqual([{ outbox: shardOf("lg-bob", Number(env.INDEX_SHARDS)), outcome: "RETRY", reason }]);
		expect(readFailed).toEqual([{ outbox: "read", outcome: "RETRY", reason }]);
	});
});
