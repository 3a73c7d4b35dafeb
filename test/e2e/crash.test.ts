import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, it } from "vitest";
import { callback, callbackUnlessCrashed, rosterOf } from "./client";
import { type DevServer, freePort, startDevServer } from "./dev-server";

// Kill `wrangler dev` (SIGKILL, with a persistence folder) in the middle of a write load,
// start it again on the same storage: every callback that was answered "1" must be there.
const TOKEN = "crash-guard-token";
const persistTo = mkdtempSync(join(tmpdir(), "aec-crash-"));
let dev: DevServer | undefined;

afterAll(async () => {
	await dev?.stop();
	rmSync(persistTo, { recursive: true, force: true });
});

describe("a crash in the middle of writes", () => {
	it("loses no acknowledged change", { timeout: 120_000 }, async ({ expect }) => {
		const port = await freePort();
		dev = await startDevServer({ vars: { GUARD_TOKEN: TOKEN }, persistTo, port });
		const url = dev.url;
		const groups: string[] = [];
		for (let g = 0; g < 4; g++) {
			const body = await callback(url, TOKEN, {
				action: "AEC_GROUP_CREATE",
				userId: "owner",
				addUsers: Array.from({ length: 20 }, (_, i) => `m${i}`).join(","),
				userDefineData: `crash${g}`,
			});
			groups.push(/"data":"(\d+)"/.exec(body)?.[1] ?? "");
		}
		const acknowledged = { added: new Map<string, string[]>(), ignoring: new Map<string, string[]>() };
		for (const g of groups) {
			acknowledged.added.set(g, []);
			acknowledged.ignoring.set(g, []);
		}
		let stop = false;
		let sent = 0;
		// 16 writers, each waiting for its answer before the next write, until the crash.
		const writers = Array.from({ length: 16 }, async (_, w) => {
			for (let i = 0; !stop; i++) {
				const g = groups[(w + i) % groups.length] ?? "";
				const dnd = i % 5 === 4;
				const user = dnd ? `m${(w + i) % 20}` : `w${w}-${i}`;
				const fields = dnd
					? { action: "AEC_SET_GROUP_PUSH_IGNORE", userId: user, groupId: g }
					: { action: "AEC_GROUP_ADD_USER", userId: "owner", groupId: g, addUsers: user };
				sent++;
				const answer = await callbackUnlessCrashed(url, TOKEN, fields);
				if (answer === undefined) return; // the connection died with the server: that answer never came
				if (answer === '{"status":"1"}') (dnd ? acknowledged.ignoring : acknowledged.added).get(g)?.push(user);
			}
		});
		// Kill it once well over 100 writes were acknowledged (however busy the machine), and mid-load.
		const count = () => [...acknowledged.added.values(), ...acknowledged.ignoring.values()].reduce((n, l) => n + l.length, 0);
		for (const deadline = Date.now() + 30_000; count() <= 150 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
		await dev.stop("SIGKILL");
		stop = true;
		await Promise.all(writers);
		const acked = count();
		expect(acked).toBeGreaterThan(100);
		console.log(JSON.stringify({ sent, acknowledged: acked }));

		dev = await startDevServer({ vars: { GUARD_TOKEN: TOKEN }, persistTo, port });
		for (const g of groups) {
			const roster = rosterOf(await callback(dev.url, TOKEN, { action: "AEC_GROUP_SYNC_ALL", groupId: g }));
			const missing = (acknowledged.added.get(g) ?? []).filter((u) => !roster.members.includes(u));
			const notIgnoring = (acknowledged.ignoring.get(g) ?? []).filter((u) => !roster.ignoring.includes(u));
			expect({ g, missing, notIgnoring }).toEqual({ g, missing: [], notIgnoring: [] });
		}
	});
});
