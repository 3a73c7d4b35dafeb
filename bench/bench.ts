/**
 * npm run bench [-- --url <AEC URL> --guard-token <token> --seconds 10 --sizes 10,1000,... --reps 20]
 *
 * Measures this service in the local runtime (the Worker directly, and through
 * `wrangler dev`), the runtime floor, and optionally any other AEC server given
 * with --url (the StarRTC sample server), on the same workloads in one run.
 * Every answer is checked. Prints tables and writes bench-report.json.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { parseArgs } from "node:util";
import { closeConnections, load, type LoadResult } from "./load.ts";
import { type Target, external, startDirect, startFloor, startWranglerDev } from "./targets.ts";
import { type CreateResult, type Group, createLoad, mixJobs, scale, seed, type ScaleRow, type Strictness } from "./workloads.ts";

const { values: args } = parseArgs({
	options: {
		url: { type: "string" },
		"guard-token": { type: "string" },
		seconds: { type: "string", default: "10" },
		sizes: { type: "string", default: "10,1000,10000,20000,100000" },
		reps: { type: "string", default: "20" },
		groups: { type: "string", default: "1000" },
		out: { type: "string", default: "bench-report.json" },
		only: { type: "string", default: "mix,create,scale,floor,proxy" },
	},
});
const seconds = Number(args.seconds);
const sizes = (args.sizes ?? "").split(",").map(Number);
const reps = Number(args.reps);
const groupCount = Number(args.groups);
const TOKEN = "bench-guard-token";
// The scale scenario goes up to 100,000 members (plus those it adds), above the shipped default limit.
// The load generator repeats identical callbacks and sends no `ts`, so the ts check and the
// replay cache (on by default with a GUARD_TOKEN) are off here, as in the published figures.
const vars = { GUARD_TOKEN: TOKEN, MAX_CALLBACK_AGE_SECONDS: "0", MAX_GROUP_MEMBERS: String(Math.max(20000, ...sizes) + reps) };
const tag = `b${Date.now().toString(36)}`;
const only = new Set((args.only ?? "").split(","));

interface MixRun {
	readonly target: string;
	readonly runs: LoadResult[];
}
const report: Record<string, unknown> = {
	date: new Date().toISOString(),
	machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), os: `${os.type()} ${os.release()}` },
	versions: versions(),
	settings: { seconds, sizes, reps, groups: groupCount, groupSize: 50 },
};

function versions() {
	const pkg = (path: string) => JSON.parse(readFileSync(new URL(`../node_modules/${path}/package.json`, import.meta.url), "utf8")).version;
	// The workerd that runs the Worker here is the one Miniflare resolves, nested under it.
	const workerd = existsSync(new URL("../node_modules/miniflare/node_modules/workerd", import.meta.url)) ? "miniflare/node_modules/workerd" : "workerd";
	return { node: process.version, wrangler: pkg("wrangler"), miniflare: pkg("miniflare"), workerd: pkg(workerd), hono: pkg("hono"), autocannon: pkg("autocannon") };
}

async function mix(target: Target, connections: number[], token: string | undefined, strictness: Strictness, groups: Group[]): Promise<MixRun> {
	const runs: LoadResult[] = [];
	// Unrecorded warm-up: every target gets its objects, connections and JIT ready the same way.
	await load(`${target.name} warm-up`, target.url, { connections: 8, seconds: 3, token, next: mixJobs(groups, `${tag}w`, strictness) });
	for (const c of connections) {
		runs.push(await load(`${target.name} mix c=${c}`, target.url, { connections: c, seconds, token, next: mixJobs(groups, `${tag}${c}`, strictness) }));
	}
	return { target: target.name, runs };
}

async function withTarget<T>(start: () => Promise<Target>, use: (t: Target) => Promise<T>): Promise<T> {
	const target = await start();
	try {
		return await use(target);
	} finally {
		closeConnections();
		await target.stop();
	}
}

const log = (line: string) => process.stderr.write(`${line}\n`);
const mixes: MixRun[] = [];
let ourCreate: CreateResult | undefined;
let theirCreate: CreateResult | undefined;
let floorCreate: CreateResult | undefined;
let scaleRows: ScaleRow[] = [];

log("# the Worker, directly in workerd");
await withTarget(
	() => startDirect(vars),
	async (target) => {
		if (only.has("scale")) scaleRows = await scale(target.url, TOKEN, tag, sizes, reps);
		if (only.has("create")) {
			ourCreate = await createLoad(`${target.name} create c=32`, target.url, { connections: 32, seconds, token: TOKEN, tag, strictness: "exact" });
		}
		if (!only.has("mix")) return;
		const groups = await seed(target.url, TOKEN, tag, groupCount, 50);
		mixes.push(await mix(target, [1, 8, 32], TOKEN, "exact", groups));
		if (!only.has("floor")) return;
		// The floor gets the very same requests, so its DO names match the groups.
		log("# the runtime floor (no-op Worker → Durable Object), and the same plus one row written per mutation");
		for (const writes of [false, true]) {
			await withTarget(
				() => startFloor(writes),
				async (floor) => {
					mixes.push(await mix(floor, [32], undefined, "status", groups));
					if (writes && only.has("create")) {
						floorCreate = await createLoad(`${floor.name} create c=32`, floor.url, { connections: 32, seconds, tag, strictness: "status" });
					}
				},
			);
		}
	},
);

if (only.has("proxy")) {
	log("# the Worker through wrangler dev");
	await withTarget(
	() => startWranglerDev(vars),
	async (target) => {
		const groups = await seed(target.url, TOKEN, tag, groupCount, 50);
		mixes.push(await mix(target, [1, 32], TOKEN, "exact", groups));
	},
	);
}

if (args.url) {
	log(`# ${args.url}`);
	const target = external(args.url);
	const token = args["guard-token"];
	if (only.has("mix")) {
		const groups = await seed(target.url, token, tag, groupCount, 50);
		mixes.push(await mix(target, [1, 8, 32], token, "status", groups));
	}
	if (only.has("create")) theirCreate = await createLoad(`${target.name} create c=32`, target.url, { connections: 32, seconds, token, tag: `${tag}x`, strictness: "status" });
}

// ---------------------------------------------------------------- report
const at = (run: MixRun | undefined, c: number) => run?.runs.find((r) => r.connections === c);
const direct = mixes[0];
const floor = mixes.find((m) => m.target === "runtime floor");
const sample = args.url ? mixes.at(-1) : undefined;

console.log("\nMixed workload (60% SYNC_ALL, 20% ADD, 10% REMOVE, 10% DND over 1,000 groups of 50); every answer checked");
console.table(
	mixes.flatMap((m) =>
		m.runs.map((r) => ({ target: m.target, conns: r.connections, "req/s": r.rps, "p50 ms": r.p50, "p90 ms": r.p90, "p99 ms": r.p99, errors: r.errors })),
	),
);
const ours32 = at(direct, 32);
const floor32 = at(floor, 32);
const writeFloor32 = at(mixes.find((m) => m.target === "floor + one write"), 32);
const theirs32 = at(sample, 32);
const ratios: Record<string, number | string> = {};
if (ours32 && floor32) ratios["worker / floor req/s at 32"] = +(ours32.rps / floor32.rps).toFixed(2);
if (ours32 && writeFloor32) ratios["worker / (floor + one write) req/s at 32"] = +(ours32.rps / writeFloor32.rps).toFixed(2);
if (ours32 && theirs32) {
	ratios["worker / sample req/s at 32"] = +(ours32.rps / theirs32.rps).toFixed(2);
	ratios["worker / sample p99 at 32"] = +(ours32.p99 / theirs32.p99).toFixed(2);
}
if (ourCreate && theirCreate) ratios["worker / sample creates/s"] = +(ourCreate.rps / theirCreate.rps).toFixed(2);
if (ourCreate && floorCreate) ratios["worker / floor creates/s (a new object each)"] = +(ourCreate.rps / floorCreate.rps).toFixed(2);
const proxied = mixes.find((m) => m.target === "worker (wrangler dev)");
const p1 = at(proxied, 1);
const d1 = at(direct, 1);
if (p1 && d1) ratios["wrangler dev proxy, p50 added at 1 conn (ms)"] = +(p1.p50 - d1.p50).toFixed(2);
console.log("\nGroup creation at 32 connections");
console.table(
	[
		ourCreate && { target: "worker (direct)", ...ourCreate },
		floorCreate && { target: "floor: a new object per create", ...floorCreate },
		theirCreate && { target: args.url, ...theirCreate },
	]
		.filter(Boolean)
		.map((r) => r && { target: r.target, "req/s": r.rps, "p50 ms": r.p50, "p99 ms": r.p99, errors: r.errors, unique: r.unique, increasing: r.increasingPerConnection }),
);
console.log("\nCost growth with group size (p50 ms, one connection; ratio to the smallest group)");
console.table(
	scaleRows.map((r) => ({
		members: r.members,
		"load ms": r.loadMs,
		"sync bytes": r.syncBytes,
		...Object.fromEntries(Object.entries(r.p50).map(([k, v]) => [k, `${v} (x${r.ratio[k]})`])),
		errors: r.errors,
	})),
);
console.log("\nRatios");
console.table(ratios);

Object.assign(report, { mix: mixes, create: { worker: ourCreate, floor: floorCreate, sample: theirCreate }, scale: scaleRows, ratios });
writeFileSync(args.out ?? "bench-report.json", `${JSON.stringify(report, null, 2)}\n`);
console.log(`\nreport written to ${args.out}`);
const errors = mixes.flatMap((m) => m.runs).reduce((n, r) => n + r.errors, 0) + scaleRows.reduce((n, r) => n + r.errors, 0);
if (errors) console.log(`${errors} wrong answers (see sampleError in the report)`);
