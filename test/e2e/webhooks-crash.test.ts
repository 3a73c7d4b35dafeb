import { mkdtempSync, rmSync } from "node:fs";
import { type Server, createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { afterAll, describe, it } from "vitest";
import { TEST_WEBHOOK_SECRET } from "../guard-token";
import { apiCall, callback, callbackUnlessCrashed, rosterOf } from "./client";
import { type DevServer, freePort, startDevServer } from "./dev-server";
import { importDocReceiver, removeReceivers } from "./doc-receiver";

// Issue 22's crash proof: callbacks, the app's changes and an import stream in while the receiver
// is slow (a local Node server on 127.0.0.1 that verifies every message with \`standardwebhooks\`,
// takes 50 ms a message, and hands it to the receiver of docs/webhooks.md); \`wrangler dev\` is
// killed with SIGKILL mid-stream, with messages still waiting, and started again on the same
// storage; more changes follow (deletes, an overwrite). Then every acknowledged change must have
// reached the receiver, each group's messages must be its versions 1, 2, 3, … with no gap, none
// may have come before the one before it was acknowledged, and the receiver must hold every group
// exactly as its SYNC_ALL answers it. Bounded: the stream stops at the crash (after 120
// acknowledged additions or 30 s), the catching up may take 90 s.
const TOKEN = "webhooks-guard-token";
const API_TOKEN = "webhooks-e2e-api-token";
const persistTo = mkdtempSync(join(tmpdir(), "aec-webhooks-crash-"));
let dev: DevServer | undefined;
let front: Server | undefined;
let docServer: Server | undefined;

afterAll(async () => {
	await dev?.stop("SIGKILL");
	front?.closeAllConnections();
	front?.close();
	docServer?.close();
	rmSync(persistTo, { recursive: true, force: true });
	removeReceivers();
});

interface Arrival {
	readonly id: string;
	readonly groupId: string;
	readonly version: number;
	readonly part: number;
	readonly parts: number;
	readonly type: string;
	readonly userIds: string[];
	readonly status: number;
}

const app = (url: string, method: string, path: string, body?: unknown) => apiCall(url, API_TOKEN, method, path, body);

/** As `app`, for a server that may be killed meanwhile: undefined when no whole answer came. */
async function appUnlessCrashed(url: string, method: string, path: string, body?: unknown) {
	try {
		return await app(url, method, path, body);
	} catch {
		return undefined;
	}
}

describe("webhooks across a kill -9 of wrangler dev, with a slow receiver", () => {
	it("lose nothing: every acknowledged change arrives, in order per group, and every group's copy equals its SYNC_ALL", {
		timeout: 180_000,
	}, async ({ expect }) => {
		const [devPort, hookPort] = [await freePort(), await freePort()];
		const doc = await importDocReceiver({
			WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
			API_TOKEN,
			SERVICE_URL: `http://127.0.0.1:${devPort}`,
			PORT: "0",
		});
		docServer = doc.server;
		// In front of the docs' receiver: verifying, slow (50 ms a message), and recording what came and what it answered.
		const verifier = new Webhook(TEST_WEBHOOK_SECRET);
		const arrivals: Arrival[] = [];
		const unverified: string[] = [];
		const early: string[] = [];
		const acked = new Set<string>();
		const partsOf = new Map<string, number>();
		front = createServer(async (request, response) => {
			let body = "";
			for await (const chunk of request) body += chunk;
			try {
				verifier.verify(body, request.headers as Record<string, string>);
			} catch (error) {
				unverified.push(String(error));
				response.writeHead(400).end();
				return;
			}
			await new Promise((r) => setTimeout(r, 50));
			const { type, data } = JSON.parse(body) as { type: string; data: Omit<Arrival, "id" | "type" | "status"> };
			// The one before must have been acknowledged already (the first part of version 1 has none).
			const before =
				data.part > 1
					? `${data.groupId}/${data.version}.${data.part - 1}`
					: `${data.groupId}/${data.version - 1}.${partsOf.get(`${data.groupId}/${data.version - 1}`)}`;
			if (data.version > 1 || data.part > 1)
				if (!acked.has(before)) early.push(`${data.groupId}/${data.version}.${data.part} before ${before}`);
			const status = await doc.receive(body, request.headers);
			const id = String(request.headers["webhook-id"]);
			arrivals.push({ id, type, ...data, status });
			if (status >= 200 && status < 300) {
				acked.add(`${data.groupId}/${data.version}.${data.part}`);
				partsOf.set(`${data.groupId}/${data.version}`, data.parts);
			}
			response.writeHead(status).end();
		});
		await new Promise<void>((resolve) => front?.listen(hookPort, "127.0.0.1", resolve));
		const vars = {
			GUARD_TOKEN: TOKEN,
			API_TOKEN,
			WEBHOOK_URL: `http://127.0.0.1:${hookPort}/hooks`,
			WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
			WEBHOOK_TIMEOUT_MS: "3000",
		};
		dev = await startDevServer({ vars, persistTo, port: devPort });
		let url = dev.url;

		// Groups of every origin: three by callbacks, two by the app, one imported.
		const members = Array.from({ length: 12 }, (_, i) => `m${i}`);
		const groups: string[] = [];
		for (let g = 0; g < 3; g++) {
			const body = await callback(url, TOKEN, {
				action: "AEC_GROUP_CREATE",
				userId: "owner",
				addUsers: members.join(","),
				userDefineData: `cb${g}`,
			});
			groups.push(/"data":"(\d+)"/.exec(body)?.[1] ?? "");
		}
		for (let g = 0; g < 2; g++) {
			groups.push(String((await app(url, "POST", "/v1/groups", { creator: "owner", members, name: `app${g}` })).json.groupId));
		}
		const imported = "900000001";
		expect(
			(await app(url, "PUT", `/v1/groups/${imported}`, { creator: "owner", members, doNotDisturb: ["m3"], name: "imp", createdAt: 1 }))
				.status,
		).toBe(201);
		groups.push(imported);

		// Acknowledged additions and removals, per group: each must reach the receiver.
		const added = new Map(groups.map((g) => [g, [] as string[]]));
		const removed = new Map(groups.map((g) => [g, [] as string[]]));
		let stop = false;
		let sent = 0;
		const writers = Array.from({ length: 12 }, async (_, w) => {
			for (let i = 0; !stop; i++) {
				const g = groups[(w + i) % groups.length] ?? "";
				const user = `w${w}-${i}`;
				sent++;
				if (i % 4 === 3) {
					// DND of an original member, by the member's own callback.
					const member = `m${(w + i) % members.length}`;
					const action = i % 8 === 3 ? "AEC_SET_GROUP_PUSH_IGNORE" : "AEC_UNSET_GROUP_PUSH_IGNORE";
					if ((await callbackUnlessCrashed(url, TOKEN, { action, userId: member, groupId: g, n: `${w}-${i}` })) === undefined) return;
				} else if (w % 3 === 0) {
					const answer = await appUnlessCrashed(url, "POST", `/v1/groups/${g}/members`, { userIds: [user] });
					if (answer === undefined) return;
					if (answer.status === 200) added.get(g)?.push(user);
				} else {
					const answer = await callbackUnlessCrashed(url, TOKEN, {
						action: "AEC_GROUP_ADD_USER",
						userId: "owner",
						groupId: g,
						addUsers: user,
					});
					if (answer === undefined) return;
					if (answer === '{"status":"1"}') added.get(g)?.push(user);
				}
				if (i % 5 === 4 && added.get(g)?.includes(user)) {
					// And it leaves again, through the app.
					const answer = await appUnlessCrashed(url, "DELETE", `/v1/groups/${g}/members/${user}`);
					if (answer === undefined) return;
					if (answer.status === 200) removed.get(g)?.push(user);
				}
			}
		});
		const count = () => [...added.values()].reduce((n, list) => n + list.length, 0);
		for (const deadline = Date.now() + 30_000; count() <= 120 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
		const arrivedAtCrash = arrivals.length;
		const toldAtCrash = new Set(arrivals.flatMap((a) => a.userIds));
		await dev.stop("SIGKILL");
		stop = true;
		await Promise.all(writers);
		expect(count()).toBeGreaterThan(100);
		// Killed with acknowledged changes still waiting for the receiver: the test is about those.
		const backlog = [...added.values()].flat().filter((u) => !toldAtCrash.has(u)).length;
		expect(backlog).toBeGreaterThan(0);

		dev = await startDevServer({ vars, persistTo, port: devPort });
		url = dev.url;
		// More changes after the restart: deletes from both doors, and an overwrite.
		expect(await callback(url, TOKEN, { action: "AEC_GROUP_DEL", userId: "owner", groupId: groups[0] })).toBe('{"status":"1"}');
		expect((await app(url, "DELETE", `/v1/groups/${groups[3]}`)).status).toBe(200);
		const overwrite = { creator: "owner", members: ["m1", "late"], doNotDisturb: ["late"], name: "imp2", createdAt: 2 };
		expect((await app(url, "PUT", `/v1/groups/${imported}?overwrite=true`, overwrite)).json.result).toBe("replaced");
		const deleted = new Set([groups[0], groups[3]]);

		// The receiver catches up by itself: nobody touches the groups from here on.
		const lagging = async () => {
			const behind: string[] = [];
			for (const g of groups) {
				const held = doc.groups.get(g);
				if (deleted.has(g)) {
					if (!held?.deleted) behind.push(`${g} not deleted`);
					continue;
				}
				const { json } = await app(url, "GET", `/v1/groups/${g}`);
				const sync = rosterOf(await callback(url, TOKEN, { action: "AEC_GROUP_SYNC_ALL", groupId: g }));
				const copy = doc.roster(g);
				const same = copy.groupList === sync.members.join(",") && copy.ignoreList === sync.ignoring.join(",");
				if (!held || held.version !== json.version || held.part !== held.parts || !same)
					behind.push(`${g} at ${held?.version}/${json.version}`);
			}
			return behind;
		};
		const started = Date.now();
		let behind = await lagging();
		while (behind.length && Date.now() - started < 90_000) {
			await new Promise((r) => setTimeout(r, 500));
			behind = await lagging();
		}
		console.log(
			JSON.stringify({
				sent,
				acknowledgedAdds: count(),
				arrivedAtCrash,
				waitingAtCrash: backlog,
				arrivals: arrivals.length,
				caughtUpMs: Date.now() - started,
			}),
		);
		expect(behind).toEqual([]);
		expect(unverified).toEqual([]);
		expect(early).toEqual([]);
		expect(arrivals.filter((a) => a.status < 200 || a.status >= 300)).toEqual([]);
		// Every acknowledged addition and removal arrived as a message of its group.
		for (const g of groups) {
			const told = (type: string) => new Set(arrivals.filter((a) => a.groupId === g && a.type === type).flatMap((a) => a.userIds));
			const [joined, left] = [told("group.members_added"), told("group.members_removed")];
			expect({
				g,
				missing: (added.get(g) ?? []).filter((u) => !joined.has(u)),
				missingRemovals: (removed.get(g) ?? []).filter((u) => !left.has(u)),
			}).toEqual({
				g,
				missing: [],
				missingRemovals: [],
			});
		}
		// Each group's messages, first arrivals only, are its versions 1, 2, 3, … with every part, in order.
		for (const g of groups) {
			const seen = new Set<string>();
			const order = arrivals.filter((a) => a.groupId === g && !seen.has(a.id) && seen.add(a.id)).map((a) => [a.version, a.part, a.parts]);
			const expected: number[][] = [];
			for (const [version, , parts] of order)
				if (!expected.some(([v]) => v === version)) for (let p = 1; p <= (parts ?? 1); p++) expected.push([version ?? 0, p, parts ?? 1]);
			expect(order).toEqual(expected);
			expect(order.map(([v]) => v)).toEqual(order.map((_, i) => order[i]?.[0] ?? 0).sort((a, b) => a - b));
			expect(new Set(order.map(([v]) => v)).size).toBe(order.at(-1)?.[0]);
		}
	});
});
