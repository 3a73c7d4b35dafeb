import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, it } from "vitest";
import { callback } from "./client";
import { type DevServer, freePort, startDevServer } from "./dev-server";
import { forEachGroupDatabase } from "./stored";

// Kill `wrangler dev` (SIGKILL) while a 5,000-member create and a stream of adds, removes,
// DND and deletes are still being indexed; restart on the same storage and touch no group
// again: the persisted alarms alone must deliver every outbox. Then every acknowledged change
// is in the user index and nothing acknowledged as removed or deleted shows.
const GUARD = "index-crash-guard";
const API = "index-crash-api-token-0123";
const BIG = 5000;
const persistTo = mkdtempSync(join(tmpdir(), "aec-index-crash-"));
let dev: DevServer | undefined;

afterAll(async () => {
	await dev?.stop();
	rmSync(persistTo, { recursive: true, force: true });
});

/** What the index must say of one user's membership in one group. */
type Expected = "in" | "dnd" | "out";

/** Outbox rows left in the group objects' storage (read from disk while the server is down). */
function outboxRows(): { rows: number; groups: number } {
	let rows = 0;
	let groups = 0;
	forEachGroupDatabase(persistTo, (db) => {
		const has = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'outbox'").get();
		const n = has ? Number((db.prepare("SELECT count(*) AS n FROM outbox").get() as { n: number }).n) : 0;
		rows += n;
		if (n) groups++;
	});
	return { rows, groups };
}

/** Runs `task` over `items`, `width` at a time. */
async function pool<T>(items: readonly T[], width: number, task: (item: T) => Promise<void>): Promise<void> {
	let next = 0;
	await Promise.all(
		Array.from({ length: width }, async () => {
			while (next < items.length) await task(items[next++] as T);
		}),
	);
}

describe("a crash while the user index is being fed", () => {
	it("loses no acknowledged change and brings back nothing removed", { timeout: 120_000 }, async ({ expect }) => {
		const port = await freePort();
		const vars = { GUARD_TOKEN: GUARD, API_TOKEN: API };
		dev = await startDevServer({ vars, persistTo, port });
		const url = dev.url;
		const expected = new Map<string, Map<string, Expected>>();
		const want = (user: string, group: string, state: Expected) => {
			const groups = expected.get(user) ?? new Map<string, Expected>();
			groups.set(group, state);
			expected.set(user, groups);
		};
		const forget = (user: string, group: string) => expected.get(user)?.delete(group);
		const create = async (name: string, members: string[]) => {
			const body = await callback(url, GUARD, {
				action: "AEC_GROUP_CREATE",
				userId: "owner",
				addUsers: members.join(","),
				userDefineData: name,
			});
			const id = /"data":"(\d+)"/.exec(body)?.[1] ?? "";
			for (const m of ["owner", ...members]) want(m, id, "in");
			return id;
		};
		const regulars = Array.from({ length: 20 }, (_, i) => `m${i}`);
		const streamed = [
			await create("ic0", regulars),
			await create("ic1", regulars),
			await create("ic2 群", regulars),
			await create('ic3 "q"', regulars),
		];
		const doomedMembers = Array.from({ length: 10 }, (_, i) => `d${i}`);
		const doomed = [await create("doomed0", doomedMembers), await create("doomed1", doomedMembers)];

		// Only a connection that died with the server counts as "no answer"; a wrong answer fails the test.
		const send = async (fields: Record<string, unknown>): Promise<boolean | undefined> => {
			try {
				return (await callback(url, GUARD, fields)) === '{"status":"1"}';
			} catch (error) {
				if (error instanceof TypeError) return undefined;
				throw error;
			}
		};
		let crashed = false;
		let acknowledged = 0;
		const writers = Array.from({ length: 12 }, async (_, w) => {
			const mine: [string, string][] = [];
			for (let i = 0; !crashed; i++) {
				const g = streamed[(w + i) % streamed.length] ?? "";
				if (i % 6 === 5 && mine.length) {
					const [rg, ru] = mine.shift() ?? ["", ""];
					const ok = await send({ action: "AEC_GROUP_REMOVE_USER", userId: "owner", groupId: rg, removeUsers: ru });
					if (ok === undefined)
						forget(ru, rg); // it may or may not have happened
					else if (ok) {
						want(ru, rg, "out");
						acknowledged++;
					}
				} else if (i % 6 === 4) {
					// DND is only ever set here, so an acknowledged one must show.
					const user = regulars[(w * 7 + i) % regulars.length] ?? "";
					const ok = await send({ action: "AEC_SET_GROUP_PUSH_IGNORE", userId: user, groupId: g });
					if (ok) {
						want(user, g, "dnd");
						acknowledged++;
					} else if (ok === undefined && expected.get(user)?.get(g) !== "dnd") forget(user, g);
				} else {
					const user = `w${w}-${i}`;
					if (await send({ action: "AEC_GROUP_ADD_USER", userId: "owner", groupId: g, addUsers: user })) {
						want(user, g, "in");
						mine.push([g, user]);
						acknowledged++;
					}
				}
			}
		});
		// The stream runs until it has a given number of acknowledged changes (not for a given time:
		// on a busy machine a fixed time may hold too few).
		const streamUntil = async (count: number) => {
			const deadline = Date.now() + 30_000;
			while (acknowledged < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
		};
		await streamUntil(80);
		for (const g of doomed) {
			if (await send({ action: "AEC_GROUP_DEL", userId: "owner", groupId: g })) {
				for (const m of ["owner", ...doomedMembers]) want(m, g, "out");
				acknowledged++;
			}
		}
		await streamUntil(160);
		// The crash comes the moment the big create is answered, while its 5,000 index deltas are being delivered.
		await create(
			"big",
			Array.from({ length: BIG }, (_, i) => `big${i}`),
		);
		acknowledged++;
		crashed = true;
		await dev.stop("SIGKILL");
		await Promise.all(writers);
		const atCrash = outboxRows();

		const restarted = Date.now();
		dev = await startDevServer({ vars, persistTo, port });
		const users = [...expected.keys()];
		/** Users whose index entry differs from what is expected (only index reads: no group object is touched). */
		const wrong = async (among: readonly string[]) => {
			const off: string[] = [];
			await pool(among, 16, async (user) => {
				const response = await fetch(`${dev?.url}/v1/users/${encodeURIComponent(user)}/groups?limit=1000`, {
					headers: { Authorization: `Bearer ${API}` },
				});
				expect(response.status).toBe(200);
				const { groups } = (await response.json()) as { groups: { groupId: string; doNotDisturb: boolean }[] };
				const shown = new Map(groups.map((g) => [g.groupId, g.doNotDisturb ? "dnd" : "in"]));
				for (const [group, state] of expected.get(user) ?? []) {
					if ((shown.get(group) ?? "out") !== state) return void off.push(user);
				}
			});
			return off;
		};
		let pending = await wrong(users);
		const behindAtRestart = pending.length;
		const deadline = Date.now() + 40_000;
		while (pending.length && Date.now() < deadline) {
			await new Promise((r) => setTimeout(r, 250));
			pending = await wrong(pending);
		}
		const drainedMs = Date.now() - restarted;
		// Once all were right, again: nothing delivered late undid a change. A member of the big group
		// had one change only (its create), so a sample of them stands for the rest in this second pass.
		const finalWrong = await wrong(users.filter((u, i) => !u.startsWith("big") || i % 50 === 0));
		await dev.stop();
		const atEnd = outboxRows();
		console.log(
			JSON.stringify({
				acknowledged,
				users: users.length,
				outboxAtCrash: atCrash,
				usersBehindAtRestart: behindAtRestart,
				drainedMs,
				lost: finalWrong.length,
				outboxAtEnd: atEnd,
			}),
		);

		// Deltas are delivered right after each change, so the kill may come after the last of them:
		// how many were still waiting is logged (outboxAtCrash). The restart path with rows still
		// waiting is forced in test/e2e/proxy-crash.test.ts, where the receiver holds every call.
		expect(acknowledged).toBeGreaterThan(100);
		expect(pending.slice(0, 10)).toEqual([]);
		expect(finalWrong.slice(0, 10)).toEqual([]);
		expect(atEnd).toEqual({ rows: 0, groups: 0 });
	});
});
