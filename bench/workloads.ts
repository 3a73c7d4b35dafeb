import { type Job, load, type LoadResult, send } from "./load.ts";

export interface Group {
	readonly id: string;
	readonly creator: string;
	readonly members: readonly string[];
}

const DONE = '{"status":"1"}';
const ROSTER = /^\{"status":"1","data":\{"groupList":"[^"]*"(,"ignoreList":"[^"]+")?\}\}$/;
const CREATED = /^\{"status":"1","data":"(\d+)"\}$/;

/** How answers are judged: byte-exact for this service, `status` "1" for another AEC server. */
export type Strictness = "exact" | "status";
function checker(strictness: Strictness, exact: (body: string) => boolean) {
	if (strictness === "exact") return exact;
	return (body: string) => {
		try {
			return JSON.parse(body).status === "1";
		} catch {
			return false;
		}
	};
}

/** Creates `count` groups of `size` members over `connections` parallel loops. */
export async function seed(
	url: string,
	token: string | undefined,
	tag: string,
	count: number,
	size: number,
	connections = 8,
): Promise<Group[]> {
	const groups: Group[] = [];
	let next = 0;
	await Promise.all(
		Array.from({ length: connections }, async () => {
			while (next < count) {
				const g = next++;
				const members = Array.from({ length: size }, (_, j) => `${tag}g${g}m${j}`);
				const { body } = await send(
					url,
					{ action: "AEC_GROUP_CREATE", userId: members[0], addUsers: members.join(","), userDefineData: `seed${g}` },
					token,
				);
				const id = /"data":"?(\d+)/.exec(body)?.[1];
				if (!id || !body.startsWith('{"status":"1"')) throw new Error(`seeding failed: ${body.slice(0, 200)}`);
				groups.push({ id, creator: members[0] ?? "", members });
			}
		}),
	);
	return groups;
}

/**
 * The mixed workload of the sample server's measurements: 60% SYNC_ALL, 20%
 * ADD_USER (a new user), 10% REMOVE_USER (the oldest user this run added), 10%
 * SET or UNSET_PUSH_IGNORE by a seeded member who is not the creator.
 */
export function mixJobs(groups: readonly Group[], tag: string, strictness: Strictness): () => Job {
	let seq = 0;
	const added: { group: Group; user: string }[] = [];
	const pick = <T>(items: readonly T[]) => items[Math.floor(Math.random() * items.length)] as T;
	const sync = (group: Group): Job => ({
		kind: "SYNC_ALL",
		data: { action: "AEC_GROUP_SYNC_ALL", groupId: group.id },
		check: checker(strictness, (b) => ROSTER.test(b)),
	});
	const done = checker(strictness, (b) => b === DONE);
	return () => {
		const group = pick(groups);
		const p = Math.random();
		if (p < 0.6) return sync(group);
		if (p < 0.8) {
			const user = `${tag}n${seq++}`;
			added.push({ group, user });
			return {
				kind: "ADD_USER",
				data: { action: "AEC_GROUP_ADD_USER", userId: group.creator, groupId: group.id, addUsers: user },
				check: done,
			};
		}
		if (p < 0.9) {
			const oldest = added.shift();
			if (!oldest) return sync(group);
			return {
				kind: "REMOVE_USER",
				data: { action: "AEC_GROUP_REMOVE_USER", userId: oldest.group.creator, groupId: oldest.group.id, removeUsers: oldest.user },
				check: done,
			};
		}
		const set = Math.random() < 0.5;
		const member = pick(group.members.slice(1));
		return {
			kind: set ? "SET_PUSH_IGNORE" : "UNSET_PUSH_IGNORE",
			data: { action: set ? "AEC_SET_GROUP_PUSH_IGNORE" : "AEC_UNSET_GROUP_PUSH_IGNORE", userId: member, groupId: group.id },
			check: done,
		};
	};
}

export interface CreateResult extends LoadResult {
	readonly ids: number;
	readonly unique: boolean;
	readonly increasingPerConnection: boolean;
}

/** Group creation (5 members each); every id must be new, and each connection must see them increase. */
export async function createLoad(
	label: string,
	url: string,
	options: { connections: number; seconds: number; token?: string; tag: string; strictness: Strictness },
): Promise<CreateResult> {
	const ids = new Set<string>();
	let all = 0;
	let increasing = true;
	let k = 0;
	const lastByConnection = new Map<object, number>();
	const result = await load(label, url, {
		...options,
		next: () => {
			const g = k++;
			const members = Array.from({ length: 5 }, (_, j) => `${options.tag}c${g}m${j}`);
			return {
				kind: "CREATE",
				data: { action: "AEC_GROUP_CREATE", userId: members[0], addUsers: members.join(","), userDefineData: `c${g}` },
				check: (body, connection) => {
					const id = options.strictness === "exact" ? CREATED.exec(body)?.[1] : /"data":"?(\d+)/.exec(body)?.[1];
					if (!id) return false;
					all++;
					ids.add(id);
					// A connection waits for each answer, so its next create is minted later: a larger id.
					if (Number(id) <= (lastByConnection.get(connection) ?? 0)) increasing = false;
					lastByConnection.set(connection, Number(id));
					return true;
				},
			};
		},
	});
	return { ...result, ids: all, unique: ids.size === all, increasingPerConnection: increasing };
}

export interface ScaleRow {
	readonly members: number;
	readonly loadMs: number;
	readonly syncBytes: number;
	/** p50 ms per action, and its ratio to the smallest group's. */
	readonly p50: Record<string, number>;
	readonly ratio: Record<string, number>;
	readonly errors: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

/** Cost growth: one group per size, then `reps` rounds of each action on one connection. */
export async function scale(
	url: string,
	token: string | undefined,
	tag: string,
	sizes: readonly number[],
	reps: number,
): Promise<ScaleRow[]> {
	const rows: ScaleRow[] = [];
	// Warm the runtime (JIT, first objects) so the smallest group is not measured cold.
	const warm = await seed(url, token, `${tag}w`, 20, 10, 1);
	for (let i = 0; i < 500; i++) await send(url, { action: "AEC_GROUP_SYNC_ALL", groupId: warm[i % warm.length]?.id }, token);
	for (const n of sizes) {
		const members = Array.from({ length: n }, (_, j) => `${tag}s${n}m${j}`);
		const creator = members[0] ?? "";
		const created = await send(
			url,
			{ action: "AEC_GROUP_CREATE", userId: creator, addUsers: members.join(","), userDefineData: `scale${n}` },
			token,
		);
		const id = CREATED.exec(created.body)?.[1];
		if (!id) throw new Error(`creating a group of ${n} failed: ${created.body.slice(0, 200)}`);
		const times: Record<string, number[]> = { SYNC_ALL: [], ADD_USER: [], SET_PUSH_IGNORE: [], UNSET_PUSH_IGNORE: [], REMOVE_USER: [] };
		let errors = 0;
		let syncBytes = 0;
		const timed = async (kind: string, data: object, expect: (body: string) => boolean) => {
			const { body, ms } = await send(url, data, token);
			times[kind]?.push(ms);
			if (!expect(body)) errors++;
			return body;
		};
		for (let i = 0; i < 3; i++) await send(url, { action: "AEC_GROUP_SYNC_ALL", groupId: id }, token); // warm up
		// Each action runs `reps` times in a row, so each pays for its own garbage: right after a
		// 2 MB SYNC_ALL answer, whatever request comes next also pays for collecting it.
		const newcomer = (i: number) => `${tag}s${n}x${i}`;
		const member = (i: number) => members[1 + (i % (n - 1))];
		for (let i = 0; i < reps; i++) {
			syncBytes = (await timed("SYNC_ALL", { action: "AEC_GROUP_SYNC_ALL", groupId: id }, (b) => ROSTER.test(b))).length;
		}
		for (let i = 0; i < reps; i++) {
			await timed("ADD_USER", { action: "AEC_GROUP_ADD_USER", userId: creator, groupId: id, addUsers: newcomer(i) }, (b) => b === DONE);
		}
		// Set then clear, so that every DND call is a real change even in a group of 10.
		for (let i = 0; i < reps; i++) {
			await timed("SET_PUSH_IGNORE", { action: "AEC_SET_GROUP_PUSH_IGNORE", userId: member(i), groupId: id }, (b) => b === DONE);
			await timed("UNSET_PUSH_IGNORE", { action: "AEC_UNSET_GROUP_PUSH_IGNORE", userId: member(i), groupId: id }, (b) => b === DONE);
		}
		for (let i = 0; i < reps; i++) {
			await timed(
				"REMOVE_USER",
				{ action: "AEC_GROUP_REMOVE_USER", userId: creator, groupId: id, removeUsers: newcomer(i) },
				(b) => b === DONE,
			);
		}
		// The group must hold exactly its members again.
		const last = await send(url, { action: "AEC_GROUP_SYNC_ALL", groupId: id }, token);
		if (JSON.parse(last.body).data.groupList.split(",").length !== n) errors++;
		const p50 = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, Math.round(median(v) * 100) / 100]));
		const base = rows[0]?.p50 ?? p50;
		const ratio = Object.fromEntries(Object.entries(p50).map(([k, v]) => [k, Math.round((v / (base[k] ?? v)) * 100) / 100]));
		rows.push({ members: n, loadMs: Math.round(created.ms), syncBytes, p50, ratio, errors });
		process.stderr.write(`  scale ${n}: ${JSON.stringify(p50)}\n`);
	}
	return rows;
}
