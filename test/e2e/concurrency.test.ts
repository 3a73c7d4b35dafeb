import { afterAll, beforeAll, describe, it } from "vitest";
import { callback, rosterOf } from "./client";
import { type DevServer, startDevServer } from "./dev-server";

// 1,000 simultaneous callbacks on one group plus 500 simultaneous creates, over real HTTP.
const TOKEN = "concurrency-guard-token";
let dev: DevServer;
const call = (fields: Record<string, unknown>) => callback(dev.url, TOKEN, fields);

beforeAll(async () => {
	dev = await startDevServer({ vars: { GUARD_TOKEN: TOKEN } });
});
afterAll(async () => {
	await dev?.stop();
});

describe("concurrency over HTTP", () => {
	it("loses nothing, and every *_AND_SYNC_ALL answer is a state that really existed", { timeout: 120_000 }, async ({ expect }) => {
		const setters = Array.from({ length: 50 }, (_, i) => `a${i}`); // DND goes on during the storm
		const clearers = Array.from({ length: 50 }, (_, i) => `b${i}`); // DND goes off during the storm
		const created = await call({
			action: "AEC_GROUP_CREATE",
			userId: "owner",
			addUsers: ["owner", ...setters, ...clearers].join(","),
			userDefineData: "storm",
		});
		const groupId = /"data":"(\d+)"/.exec(created)?.[1] ?? "";
		for (const userId of clearers) await call({ action: "AEC_SET_GROUP_PUSH_IGNORE", userId, groupId });

		const newcomers = Array.from({ length: 600 }, (_, i) => `n${i}`);
		const storm: { fields: Record<string, unknown>; own?: (r: ReturnType<typeof rosterOf>) => boolean }[] = [
			...newcomers.map((user, i) => ({
				fields: { action: i % 2 ? "AEC_GROUP_ADD_USER" : "AEC_GROUP_ADD_USER_AND_SYNC_ALL", userId: "owner", groupId, addUsers: user },
				own: (r: ReturnType<typeof rosterOf>) => r.members.includes(user),
			})),
			...setters.map((userId, i) => ({
				fields: { action: i % 2 ? "AEC_SET_GROUP_PUSH_IGNORE" : "AEC_SET_GROUP_PUSH_IGNORE_AND_SYNC_ALL", userId, groupId },
				own: (r: ReturnType<typeof rosterOf>) => r.ignoring.includes(userId),
			})),
			...clearers.map((userId, i) => ({
				fields: { action: i % 2 ? "AEC_UNSET_GROUP_PUSH_IGNORE" : "AEC_UNSET_GROUP_PUSH_IGNORE_AND_SYNC_ALL", userId, groupId },
				own: (r: ReturnType<typeof rosterOf>) => !r.ignoring.includes(userId),
			})),
			...Array.from({ length: 300 }, () => ({ fields: { action: "AEC_GROUP_SYNC_ALL", groupId } })),
		];
		const creates = Array.from({ length: 500 }, (_, i) =>
			call({ action: "AEC_GROUP_CREATE", userId: `c${i}`, addUsers: `c${i},d${i}`, userDefineData: `parallel-${i}` }),
		);
		const [answers, createAnswers] = await Promise.all([Promise.all(storm.map((s) => call(s.fields))), Promise.all(creates)]);
		expect(storm).toHaveLength(1000);

		expect(answers.filter((a) => !a.startsWith('{"status":"1"'))).toEqual([]);
		const ids = createAnswers.map((a) => /^\{"status":"1","data":"(\d+)"\}$/.exec(a)?.[1]);
		expect(ids.every(Boolean)).toBe(true);
		expect(new Set(ids).size).toBe(500);

		// Exactly the expected members and DND states.
		const final = rosterOf(await call({ action: "AEC_GROUP_SYNC_ALL", groupId }));
		expect(final.members.slice(0, 101)).toEqual(["owner", ...setters, ...clearers]);
		expect(new Set(final.members.slice(101))).toEqual(new Set(newcomers));
		expect(final.members).toHaveLength(701);
		expect(final.ignoring).toEqual(setters);

		// Every roster answer is a state that existed: adds only append, so its list is a prefix of the
		// final one; DND only went on for a* and off for b*, so all answers form one chain in time.
		const states = storm
			.map((s, i) => ({ s, body: answers[i] ?? "" }))
			.filter(({ body }) => body.includes("groupList"))
			.map(({ s, body }) => {
				const roster = rosterOf(body);
				if (s.own) expect(s.own(roster), JSON.stringify(s.fields)).toBe(true);
				expect(final.members.slice(0, roster.members.length)).toEqual(roster.members);
				const on = new Set(roster.ignoring);
				return { size: roster.members.length, set: setters.filter((u) => on.has(u)), cleared: clearers.filter((u) => !on.has(u)) };
			});
		expect(states.length).toBeGreaterThan(600);
		states.sort((x, y) => x.size - y.size || x.set.length - y.set.length || x.cleared.length - y.cleared.length);
		for (let i = 1; i < states.length; i++) {
			const [before, after] = [states[i - 1], states[i]];
			if (!before || !after) continue;
			expect(
				before.set.every((u) => after.set.includes(u)),
				`DND on went back between answers ${i - 1} and ${i}`,
			).toBe(true);
			expect(
				before.cleared.every((u) => after.cleared.includes(u)),
				`DND off went back between answers ${i - 1} and ${i}`,
			).toBe(true);
		}
	});
});
