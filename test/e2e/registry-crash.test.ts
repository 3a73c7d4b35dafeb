import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, it } from "vitest";
import { callback } from "./client";
import { type DevServer, freePort, startDevServer } from "./dev-server";
import { forEachGroupDatabase } from "./stored";

// Kill `wrangler dev` (SIGKILL) while groups are being created and deleted; restart on the same
// storage and touch no group: the persisted alarms alone must bring the group registry up to date.
// Then GET /v1/groups lists every group whose create was acknowledged, once, and none whose delete was.
const GUARD = "registry-crash-guard";
const API = "registry-crash-api-token-0123";
const persistTo = mkdtempSync(join(tmpdir(), "aec-registry-crash-"));
let dev: DevServer | undefined;

afterAll(async () => {
	await dev?.stop();
	rmSync(persistTo, { recursive: true, force: true });
});

/** Groups whose registry has not acknowledged their latest version (read from disk while the server is down). */
function behindOnDisk(): { groups: number; behind: number } {
	let behind = 0;
	let groups = 0;
	forEachGroupDatabase(persistTo, (db) => {
		if (!db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'registry_acked'").get()) return;
		groups++;
		const row = db
			.prepare("SELECT count(*) AS n FROM group_version WHERE version > coalesce((SELECT version FROM registry_acked), -1)")
			.get() as { n: number };
		behind += Number(row.n);
	});
	return { groups, behind };
}

describe("a crash while the group registry is being fed", () => {
	it("lists every group acknowledged before the kill once, and none acknowledged as deleted", { timeout: 120_000 }, async ({ expect }) => {
		const port = await freePort();
		const vars = { GUARD_TOKEN: GUARD, API_TOKEN: API };
		dev = await startDevServer({ vars, persistTo, port });
		const url = dev.url;
		const created = new Set<string>();
		const deleted = new Set<string>();
		/** Deletes sent but never answered: they may or may not have happened. */
		const unsure = new Set<string>();
		// Only a connection that died with the server counts as "no answer"; a wrong answer fails the test.
		const send = async (fields: Record<string, unknown>): Promise<string | undefined> => {
			try {
				return await callback(url, GUARD, fields);
			} catch (error) {
				if (error instanceof TypeError) return undefined;
				throw error;
			}
		};
		let crashed = false;
		const writers = Array.from({ length: 16 }, async (_, w) => {
			for (let i = 0; !crashed; i++) {
				const owner = `rc${w}`;
				const body = await send({ action: "AEC_GROUP_CREATE", userId: owner, addUsers: `${owner},x${i}`, userDefineData: `g${w}-${i}` });
				const id = body && /"data":"(\d+)"/.exec(body)?.[1];
				if (!id) continue;
				created.add(id);
				// The kill comes the moment the 80th create is answered, while its summary may still be on its way.
				if (created.size === 80 && dev) {
					crashed = true;
					void dev.stop("SIGKILL");
				}
				if (i % 2 !== 1) continue;
				unsure.add(id);
				const answer = await send({ action: "AEC_GROUP_DEL", userId: owner, groupId: id });
				if (answer === undefined) continue;
				expect(answer).toBe('{"status":"1"}');
				unsure.delete(id);
				deleted.add(id);
			}
		});
		for (const deadline = Date.now() + 30_000; !crashed && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
		crashed = true;
		await dev.stop("SIGKILL");
		await Promise.all(writers);
		expect(created.size).toBeGreaterThanOrEqual(60);
		const atCrash = behindOnDisk();

		const restarted = Date.now();
		dev = await startDevServer({ vars, persistTo, port });
		const must = [...created].filter((id) => !deleted.has(id) && !unsure.has(id));
		/** Every page of GET /v1/groups (only registry reads: no group object is touched). */
		const listed = async (): Promise<string[]> => {
			const ids: string[] = [];
			let cursor = "";
			for (;;) {
				const response = await fetch(`${dev?.url}/v1/groups?limit=50${cursor && `&cursor=${cursor}`}`, {
					headers: { Authorization: `Bearer ${API}` },
				});
				expect(response.status).toBe(200);
				const page = (await response.json()) as { groups: { groupId: string }[]; next?: string };
				ids.push(...page.groups.map((g) => g.groupId));
				if (!page.next) return ids;
				cursor = page.next;
			}
		};
		const wrong = (ids: string[]) => ({
			missing: must.filter((id) => !ids.includes(id)),
			deletedShown: [...deleted].filter((id) => ids.includes(id)),
		});
		let ids = await listed();
		const behindAtRestart = wrong(ids).missing.length + wrong(ids).deletedShown.length;
		for (const deadline = Date.now() + 40_000; Date.now() < deadline; ) {
			const off = wrong(ids);
			if (!off.missing.length && !off.deletedShown.length) break;
			await new Promise((r) => setTimeout(r, 250));
			ids = await listed();
		}
		const caughtUpMs = Date.now() - restarted;
		console.log(
			JSON.stringify({
				created: created.size,
				deleted: deleted.size,
				unsure: unsure.size,
				registryBehindAtCrash: atCrash,
				wrongAtRestart: behindAtRestart,
				caughtUpMs,
			}),
		);
		expect(new Set(ids).size).toBe(ids.length);
		expect(ids).toEqual(ids.toSorted((a, b) => Number(a) - Number(b)));
		expect(wrong(ids)).toEqual({ missing: [], deletedShown: [] });
	});
});
