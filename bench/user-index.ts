import { setTimeout as sleep } from "node:timers/promises";
import { shardOf } from "../src/user-index/membership.ts";
import { get, send } from "./load.ts";
import type { Group } from "./workloads.ts";

/** Where the read API is and how to read everything. */
export interface Api {
	/** The target's origin, e.g. http://127.0.0.1:8787. */
	readonly origin: string;
	readonly token: string;
}

const CREATED = /^\{"status":"1","data":"(\d+)"\}$/;
const DONE = '{"status":"1"}';
const round = (ms: number) => Math.round(ms * 100) / 100;
const quantile = (values: readonly number[], q: number) => {
	const sorted = [...values].sort((a, b) => a - b);
	return round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN);
};

/** The group ids in a user's first page of `/v1/users/{u}/groups` (limit 1000), or undefined on a non-200. */
async function groupsOf(api: Api, user: string): Promise<string[] | undefined> {
	const { status, body } = await get(`${api.origin}/v1/users/${encodeURIComponent(user)}/groups?limit=1000`, api.token);
	if (status !== 200) return undefined;
	return (JSON.parse(body) as { groups: { groupId: string }[] }).groups.map((g) => g.groupId);
}

export interface PropagationResult {
	readonly members: number;
	/** The CREATE callback's own time. */
	readonly createMs: number;
	/** After the CREATE answered: the first polled member saw the group, and the last shard's last member did. */
	readonly firstVisibleMs: number;
	readonly allVisibleMs: number;
	readonly polls: number;
	/** Every member then checked one by one; all must have the group. */
	readonly verified: number;
	readonly verifyMs: number;
	readonly errors: number;
}

/**
 * Creates a group of `size` new users and times until every member's list shows it.
 * A shard receives its part of a change in order and applies each delivery in one
 * transaction, so once the last member (in member order) of every shard sees the
 * group, all of that shard's members do: those are the users polled. Then every
 * member is checked, through `/v1/users/{u}/groups?limit=1` (one row per answer).
 */
export async function propagation(
	url: string,
	api: Api,
	guardToken: string | undefined,
	tag: string,
	size: number,
	shards: number,
): Promise<{ result: PropagationResult; group: { id: string; members: readonly string[] } }> {
	const members = Array.from({ length: size }, (_, j) => `${tag}P${j}`);
	const lastOfShard = new Map<string, string>();
	for (const m of members) lastOfShard.set(shardOf(m, shards), m);
	const created = await send(
		url,
		{ action: "AEC_GROUP_CREATE", userId: members[0], addUsers: members.join(","), userDefineData: "propagation" },
		guardToken,
	);
	const answered = performance.now();
	const id = CREATED.exec(created.body)?.[1];
	if (!id) throw new Error(`creating the ${size}-member group failed: ${created.body.slice(0, 200)}`);
	const pending = new Set(lastOfShard.values());
	let firstVisibleMs = Number.NaN;
	let polls = 0;
	let errors = 0;
	while (pending.size) {
		if (performance.now() - answered > 120_000) throw new Error(`${pending.size} shards still without group ${id} after 120 s`);
		for (const user of [...pending]) {
			polls++;
			const groups = await groupsOf(api, user);
			if (!groups) errors++;
			else if (groups.includes(id)) {
				pending.delete(user);
				if (Number.isNaN(firstVisibleMs)) firstVisibleMs = performance.now() - answered;
			}
		}
		// Polling is load on the same two cores as the delivery it waits for: keep it light.
		if (pending.size) await sleep(5);
	}
	const allVisibleMs = performance.now() - answered;
	// Every member, over 4 connections.
	const verifyStart = performance.now();
	let next = 0;
	let verified = 0;
	await Promise.all(
		Array.from({ length: 4 }, async () => {
			while (next < members.length) {
				const user = members[next++] ?? "";
				const { status, body } = await get(`${api.origin}/v1/users/${encodeURIComponent(user)}/groups?limit=1`, api.token);
				if (status === 200 && (JSON.parse(body) as { groups: { groupId: string }[] }).groups[0]?.groupId === id) verified++;
				else errors++;
			}
		}),
	);
	const result = {
		members: size,
		createMs: round(created.ms),
		firstVisibleMs: round(firstVisibleMs),
		allVisibleMs: round(allVisibleMs),
		polls,
		verified,
		verifyMs: Math.round(performance.now() - verifyStart),
		errors,
	};
	return { result, group: { id, members } };
}

export interface AddProbeResult {
	readonly samples: number;
	/** ms from the ADD_USER answer until `/v1/users/{new}/groups` shows the group. */
	readonly p50: number;
	readonly p99: number;
	readonly max: number;
	readonly errors: number;
}

/** Until `done` settles: ADD_USER of a new user to a seeded group, then poll that user's list until the group is there. */
export async function addProbe(
	url: string,
	api: Api,
	guardToken: string | undefined,
	groups: readonly Group[],
	tag: string,
	done: Promise<unknown>,
): Promise<AddProbeResult> {
	let finished = false;
	const stop = () => {
		finished = true;
	};
	done.then(stop, stop);
	const times: number[] = [];
	let errors = 0;
	for (let i = 0; !finished; i++) {
		const group = groups[i % groups.length] as Group;
		const user = `${tag}v${i}`;
		const added = await send(url, { action: "AEC_GROUP_ADD_USER", userId: group.creator, groupId: group.id, addUsers: user }, guardToken);
		const answered = performance.now();
		if (added.body !== DONE) {
			errors++;
			continue;
		}
		for (;;) {
			const seen = await groupsOf(api, user);
			if (!seen) errors++;
			if (seen?.includes(group.id)) {
				times.push(performance.now() - answered);
				break;
			}
			if (performance.now() - answered > 60_000) {
				errors++;
				break;
			}
			await sleep(1);
		}
	}
	return { samples: times.length, p50: quantile(times, 0.5), p99: quantile(times, 0.99), max: round(Math.max(...times)), errors };
}

export interface ReadRow {
	readonly route: string;
	readonly items: number;
	readonly bytes: number;
	readonly p50: number;
	readonly p99: number;
	readonly errors: number;
}

/** `reps` reads of one route on one connection, after 10 unrecorded ones; `check` judges each body. */
async function timeRead(
	api: Api,
	route: string,
	reps: number,
	check: (status: number, body: string) => number | undefined,
): Promise<ReadRow> {
	const times: number[] = [];
	let errors = 0;
	let items = 0;
	let bytes = 0;
	for (let i = -10; i < reps; i++) {
		const { status, body, ms } = await get(`${api.origin}${route}`, api.token);
		const count = check(status, body);
		if (count === undefined) errors++;
		if (i < 0) continue;
		times.push(ms);
		items = count ?? items;
		bytes = body.length;
	}
	return { route, items, bytes, p50: quantile(times, 0.5), p99: quantile(times, 0.99), errors };
}

const sameIds = (got: readonly string[], want: ReadonlySet<string>) => got.length === want.size && got.every((g) => want.has(g));

/**
 * Read latency: one user in `groups` groups (both list routes), and one page of
 * 1,000 of `big`'s members. Every answer is checked in full.
 */
export async function reads(
	url: string,
	api: Api,
	guardToken: string | undefined,
	tag: string,
	groupCount: number,
	big: { id: string; members: readonly string[] },
	reps: number,
): Promise<ReadRow[]> {
	const hub = `${tag}hub`;
	const ids = new Set<string>();
	let next = 0;
	await Promise.all(
		Array.from({ length: 8 }, async () => {
			while (next < groupCount) {
				const g = next++;
				const other = `${tag}H${g}`;
				const { body } = await send(
					url,
					{ action: "AEC_GROUP_CREATE", userId: other, addUsers: `${other},${hub}`, userDefineData: `hub${g}` },
					guardToken,
				);
				const id = CREATED.exec(body)?.[1];
				if (!id) throw new Error(`creating a group for ${hub} failed: ${body.slice(0, 200)}`);
				ids.add(id);
			}
		}),
	);
	const waitStart = performance.now();
	while ((await groupsOf(api, hub))?.length !== groupCount) {
		if (performance.now() - waitStart > 120_000) throw new Error(`${hub}'s list never reached ${groupCount} groups`);
		await sleep(50);
	}
	const page = big.members.slice(0, 1000);
	return [
		await timeRead(api, `/v1/users/${hub}/groups?limit=1000`, reps, (status, body) => {
			const got = status === 200 ? (JSON.parse(body) as { groups: { groupId: string }[]; next?: string }) : undefined;
			return got &&
				!got.next &&
				sameIds(
					got.groups.map((g) => g.groupId),
					ids,
				)
				? got.groups.length
				: undefined;
		}),
		await timeRead(api, `/group/list.php?userId=${hub}`, reps, (status, body) => {
			const got = status === 200 ? (JSON.parse(body) as { status: number; data: { groupId: string }[] }) : undefined;
			return got?.status === 1 &&
				sameIds(
					got.data.map((g) => g.groupId),
					ids,
				)
				? got.data.length
				: undefined;
		}),
		await timeRead(api, `/v1/groups/${big.id}/members?limit=1000`, reps, (status, body) => {
			const got = status === 200 ? (JSON.parse(body) as { members: { userId: string }[]; next?: string }) : undefined;
			const inOrder = got?.members.length === page.length && got.members.every((m, i) => m.userId === page[i]);
			return got && inOrder && (got.next !== undefined) === big.members.length > 1000 ? got.members.length : undefined;
		}),
	];
}
