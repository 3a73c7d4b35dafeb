/**
 * npm run bench [-- --url <AEC URL> --url-pids <pid,…> --guard-token <token> --seconds 10 --sizes 10,1000,... --reps 20 --only mix,create,scale,floor,proxy,index,onoff,webhooks]
 *
 * Measures this service in the local runtime (the Worker directly, and through
 * `wrangler dev`), the runtime floor, and optionally any other AEC server given
 * with --url (the StarRTC sample server: test/sample-server/setup.sh), on the same workloads in one run; the
 * user index (propagation, reads, and the Worker with its feed off); webhooks
 * (from a change's answer to the receiver having it, and webhooks on against off); and each
 * target's server CPU per callback, from /proc (for --url, of --url-pids and
 * their descendants). Every answer is checked. Prints tables and writes bench-report.json.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { parseArgs } from "node:util";
import { closeConnections, load, type LoadResult } from "./load.ts";
import { type Target, configured, external, startDirect, startFloor, startWranglerDev } from "./targets.ts";
import { type AddProbeResult, type Api, addProbe, type PropagationResult, propagation, type ReadRow, reads } from "./user-index.ts";
import { BENCH_WEBHOOK_SECRET, BenchReceiver, type WebhookProbeResult, webhookProbe } from "./webhooks.ts";
import { type CreateResult, type Group, createLoad, mixJobs, scale, seed, type ScaleRow, type Strictness } from "./workloads.ts";

const { values: args } = parseArgs({
	options: {
		url: { type: "string" },
		"url-pids": { type: "string", default: "" },
		"guard-token": { type: "string" },
		seconds: { type: "string", default: "10" },
		sizes: { type: "string", default: "10,1000,10000,20000,100000" },
		reps: { type: "string", default: "20" },
		groups: { type: "string", default: "1000" },
		out: { type: "string", default: "bench-report.json" },
		only: { type: "string", default: "mix,create,scale,floor,proxy,index,onoff,webhooks" },
	},
});
const seconds = Number(args.seconds);
const sizes = (args.sizes ?? "").split(",").map(Number);
const reps = Number(args.reps);
const groupCount = Number(args.groups);
const TOKEN = "bench-guard-token";
const API_TOKEN = "bench-api-token-0123456789abcdef";
// The scale scenario goes up to 100,000 members (plus those it adds), above the shipped default limit.
// The load generator repeats identical callbacks and sends no `ts`, so the ts check and the
// replay cache (on by default with a GUARD_TOKEN) are off here, as in the published figures.
const vars = { GUARD_TOKEN: TOKEN, API_TOKEN, MAX_CALLBACK_AGE_SECONDS: "0", MAX_GROUP_MEMBERS: String(Math.max(20000, ...sizes) + reps) };
const PROPAGATION_MEMBERS = 20000;
const HUB_GROUPS = 1000;
const urlPids = (args["url-pids"] ?? "").split(",").filter(Boolean).map(Number);
const tag = `b${Date.now().toString(36)}`;
const only = new Set((args.only ?? "").split(","));

/** A load run, with the server's CPU time per answered callback (ms), settled before and after. */
type Measured = LoadResult & { readonly cpuMsPerCallback?: number };
interface MixRun {
	readonly target: string;
	readonly runs: Measured[];
	/** The processes counted for CPU time. */
	readonly processes?: string;
}
const report: Record<string, unknown> = {
	date: new Date().toISOString(),
	machine: {
		cpus: os.cpus().length,
		model: os.cpus()[0]?.model,
		memoryGiB: Math.round(os.totalmem() / 2 ** 30),
		os: `${os.type()} ${os.release()}`,
	},
	versions: versions(),
	settings: { seconds, sizes, reps, groups: groupCount, groupSize: 50 },
};

function versions() {
	const pkg = (path: string) => JSON.parse(readFileSync(new URL(`../node_modules/${path}/package.json`, import.meta.url), "utf8")).version;
	// The workerd that runs the Worker here is the one Miniflare resolves, nested under it.
	const workerd = existsSync(new URL("../node_modules/miniflare/node_modules/workerd", import.meta.url))
		? "miniflare/node_modules/workerd"
		: "workerd";
	return {
		node: process.version,
		wrangler: pkg("wrangler"),
		miniflare: pkg("miniflare"),
		workerd: pkg(workerd),
		hono: pkg("hono"),
		autocannon: pkg("autocannon"),
	};
}

/**
 * Runs `run` between two idle points of the target, so that its CPU time counts what
 * the run caused, index deliveries that finish after the last answer included.
 */
async function measured(target: Target, run: () => Promise<LoadResult>): Promise<Measured> {
	const processes = target.processes;
	if (!processes) return run();
	await processes.settle();
	const before = processes.cpuMs();
	const result = await run();
	await processes.settle();
	return { ...result, cpuMsPerCallback: +((processes.cpuMs() - before) / result.requests).toFixed(3) };
}

async function mix(
	target: Target,
	connections: number[],
	token: string | undefined,
	strictness: Strictness,
	groups: Group[],
): Promise<MixRun> {
	const runs: Measured[] = [];
	// Unrecorded warm-up: every target gets its objects, connections and JIT ready the same way.
	await load(`${target.name} warm-up`, target.url, { connections: 8, seconds: 3, token, next: mixJobs(groups, `${tag}w`, strictness) });
	for (const c of connections) {
		runs.push(
			await measured(target, () =>
				load(`${target.name} mix c=${c}`, target.url, { connections: c, seconds, token, next: mixJobs(groups, `${tag}${c}`, strictness) }),
			),
		);
	}
	return { target: target.name, runs, processes: target.processes?.describe() };
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
let spread: PropagationResult | undefined;
let readRows: ReadRow[] = [];
let probe: { load: Measured; add: AddProbeResult } | undefined;
const onOff: { on: Measured[]; off: Measured[] } = { on: [], off: [] };
const hooks: {
	on: Measured[];
	off: Measured[];
	probe?: { load: Measured; latency: WebhookProbeResult };
	messages?: number;
	unverified?: number;
} = {
	on: [],
	off: [],
};
const shards = Number(configured("INDEX_SHARDS"));
const apiOf = (target: Target): Api => ({ origin: new URL(target.url).origin, token: API_TOKEN });

if (only.has("onoff")) {
	// Each side in a process of its own, never two at once (a second idle workerd changed the
	// figures), alternated on, off, off, on; each seeded alike and warmed up before its runs.
	log("# the same build with USER_INDEX_FEED=off against the index on, alternated on, off, off, on at 32 connections");
	for (const [i, side] of (["on", "off", "off", "on"] as const).entries()) {
		const sideVars = side === "on" ? vars : { ...vars, USER_INDEX_FEED: "off" };
		await withTarget(
			() => startDirect(sideVars, side === "on" ? "worker (direct)" : "worker (direct, index off)"),
			async (t) => {
				const g = await seed(t.url, TOKEN, `${tag}s${i}`, groupCount, 50);
				await load(`${t.name} warm-up`, t.url, { connections: 32, seconds: 5, token: TOKEN, next: mixJobs(g, `${tag}w${i}`, "exact") });
				for (const run of [0, 1]) {
					onOff[side].push(
						await measured(t, () =>
							load(`${t.name} mix c=32 #${i}.${run}`, t.url, {
								connections: 32,
								seconds,
								token: TOKEN,
								next: mixJobs(g, `${tag}o${i}${run}`, "exact"),
							}),
						),
					);
				}
			},
		);
	}
}

if (only.has("webhooks")) {
	// As the index on/off runs: each side in a process of its own, alternated on, off, off, on. The
	// receiver runs in this process (its CPU is not the target's) and answers 204 at once.
	log(
		"# webhooks on (a receiver on loopback) against off, alternated on, off, off, on at 32 connections; then a change's answer to its message",
	);
	const receiver = await new BenchReceiver().start();
	try {
		for (const [i, side] of (["on", "off", "off", "on"] as const).entries()) {
			const sideVars = side === "on" ? { ...vars, WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: BENCH_WEBHOOK_SECRET } : vars;
			await withTarget(
				() => startDirect(sideVars, side === "on" ? "worker (direct, webhooks on)" : "worker (direct, webhooks off)"),
				async (t) => {
					const g = await seed(t.url, TOKEN, `${tag}k${i}`, groupCount, 50);
					await load(`${t.name} warm-up`, t.url, { connections: 32, seconds: 5, token: TOKEN, next: mixJobs(g, `${tag}kw${i}`, "exact") });
					for (const run of [0, 1]) {
						hooks[side].push(
							await measured(t, () =>
								load(`${t.name} mix c=32 #${i}.${run}`, t.url, {
									connections: 32,
									seconds,
									token: TOKEN,
									next: mixJobs(g, `${tag}ko${i}${run}`, "exact"),
								}),
							),
						);
					}
					if (i !== 3) return;
					let latency!: Promise<WebhookProbeResult>;
					const run = await measured(t, () => {
						const running = load(`${t.name} mix c=32 + webhook probe`, t.url, {
							connections: 32,
							seconds,
							token: TOKEN,
							next: mixJobs(g, `${tag}kp`, "exact"),
						});
						latency = webhookProbe(t.url, TOKEN, g, `${tag}kq`, receiver, running);
						return running;
					});
					hooks.probe = { load: run, latency: await latency };
					log(`  answer to receiver: ${JSON.stringify(hooks.probe.latency)}`);
				},
			);
		}
	} finally {
		hooks.messages = receiver.messages;
		hooks.unverified = receiver.unverified;
		await receiver.stop();
	}
}

log("# the Worker, directly in workerd");
await withTarget(
	() => startDirect(vars),
	async (target) => {
		if (only.has("scale")) scaleRows = await scale(target.url, TOKEN, tag, sizes, reps);
		if (only.has("create")) {
			ourCreate = await createLoad(`${target.name} create c=32`, target.url, {
				connections: 32,
				seconds,
				token: TOKEN,
				tag,
				strictness: "exact",
			});
		}
		if (only.has("index")) {
			log(`# the user index: a ${PROPAGATION_MEMBERS}-member group reaching every member's list, then reads`);
			await target.processes?.settle();
			const { result, group } = await propagation(target.url, apiOf(target), TOKEN, `${tag}i`, PROPAGATION_MEMBERS, shards);
			spread = result;
			log(`  propagation: ${JSON.stringify(result)}`);
			readRows = await reads(target.url, apiOf(target), TOKEN, `${tag}r`, HUB_GROUPS, group, 200);
			log(`  reads: ${JSON.stringify(readRows)}`);
		}
		if (!only.has("mix")) return;
		const groups = await seed(target.url, TOKEN, tag, groupCount, 50);
		mixes.push(await mix(target, [1, 8, 32], TOKEN, "exact", groups));
		if (only.has("index")) {
			// Its own run: the probe's reads and adds would blur the plain mix figures above.
			log("# one add's visibility in the index, under the mix at 32 connections");
			let adds!: Promise<AddProbeResult>;
			const run = await measured(target, () => {
				const running = load(`${target.name} mix c=32 + add probe`, target.url, {
					connections: 32,
					seconds,
					token: TOKEN,
					next: mixJobs(groups, `${tag}p`, "exact"),
				});
				adds = addProbe(target.url, apiOf(target), TOKEN, groups, `${tag}q`, running);
				return running;
			});
			probe = { load: run, add: await adds };
			log(`  add visible: ${JSON.stringify(probe.add)}`);
		}
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
	const target = external(args.url, urlPids);
	const token = args["guard-token"];
	if (only.has("mix")) {
		const groups = await seed(target.url, token, tag, groupCount, 50);
		mixes.push(await mix(target, [1, 8, 32], token, "status", groups));
	}
	if (only.has("create"))
		theirCreate = await createLoad(`${target.name} create c=32`, target.url, {
			connections: 32,
			seconds,
			token,
			tag: `${tag}x`,
			strictness: "status",
		});
}

// ---------------------------------------------------------------- report
const at = (run: MixRun | undefined, c: number) => run?.runs.find((r) => r.connections === c);
const direct = mixes[0];
const floor = mixes.find((m) => m.target === "runtime floor");
const sample = args.url ? mixes.at(-1) : undefined;

console.log("\nMixed workload (60% SYNC_ALL, 20% ADD, 10% REMOVE, 10% DND over 1,000 groups of 50); every answer checked");
console.table(
	mixes.flatMap((m) =>
		m.runs.map((r) => ({
			target: m.target,
			conns: r.connections,
			"req/s": r.rps,
			"p50 ms": r.p50,
			"p90 ms": r.p90,
			"p99 ms": r.p99,
			"CPU ms/callback": r.cpuMsPerCallback ?? "-",
			errors: r.errors,
		})),
	),
);
const ours32 = at(direct, 32);
const floor32 = at(floor, 32);
const writeFloor32 = at(
	mixes.find((m) => m.target === "floor + one write"),
	32,
);
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
		.map(
			(r) =>
				r && {
					target: r.target,
					"req/s": r.rps,
					"p50 ms": r.p50,
					"p99 ms": r.p99,
					errors: r.errors,
					unique: r.unique,
					increasing: r.increasingPerConnection,
				},
		),
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
const sum = (runs: Measured[], f: (r: Measured) => number) => runs.reduce((n, r) => n + f(r), 0);
/** Over all runs of one side: req/s, and CPU ms per callback weighted by callbacks. */
const side = (runs: Measured[]) => ({
	rps: Math.round(sum(runs, (r) => r.requests) / sum(runs, (r) => r.seconds)),
	cpuMsPerCallback: +(sum(runs, (r) => (r.cpuMsPerCallback ?? Number.NaN) * r.requests) / sum(runs, (r) => r.requests)).toFixed(3),
	errors: sum(runs, (r) => r.errors),
});
const indexOn = onOff.on.length ? side(onOff.on) : undefined;
const indexOff = onOff.off.length ? side(onOff.off) : undefined;
if (indexOn && indexOff) {
	console.log("\nIndex on vs off: the Worker direct, each side alone, mix at 32 connections, alternated on, off, off, on (two runs each)");
	console.table([
		{ index: "on (default)", ...indexOn, runs: onOff.on.map((r) => r.rps).join(", ") },
		{ index: "off (USER_INDEX_FEED=off)", ...indexOff, runs: onOff.off.map((r) => r.rps).join(", ") },
	]);
	ratios["index on / off req/s at 32 (goal ≥ 0.85)"] = +(indexOn.rps / indexOff.rps).toFixed(2);
	ratios["index on / off CPU per callback (goal ≤ 1.15)"] = +(indexOn.cpuMsPerCallback / indexOff.cpuMsPerCallback).toFixed(2);
}
const hooksOn = hooks.on.length ? side(hooks.on) : undefined;
const hooksOff = hooks.off.length ? side(hooks.off) : undefined;
if (hooksOn && hooksOff) {
	console.log(
		"\nWebhooks on vs off: the Worker direct, each side alone, mix at 32 connections, alternated on, off, off, on (two runs each)",
	);
	console.table([
		{ webhooks: "on (WEBHOOK_URL set)", ...hooksOn, runs: hooks.on.map((r) => r.rps).join(", ") },
		{ webhooks: "off", ...hooksOff, runs: hooks.off.map((r) => r.rps).join(", ") },
	]);
	console.log(`  ${hooks.messages} messages received, ${hooks.unverified} that did not verify`);
	ratios["webhooks on / off req/s at 32"] = +(hooksOn.rps / hooksOff.rps).toFixed(2);
	ratios["webhooks on / off CPU per callback"] = +(hooksOn.cpuMsPerCallback / hooksOff.cpuMsPerCallback).toFixed(2);
}
if (hooks.probe) {
	console.log(
		`\nA change's answer to its webhook at the receiver, one add every 20 ms while the mix runs at 32 connections (${hooks.probe.load.rps} req/s, ${hooks.probe.load.errors} errors)`,
	);
	console.table([hooks.probe.latency]);
}
if (spread) {
	console.log(`\nIndex propagation: a new group of ${spread.members} members (ms after its CREATE answered)`);
	console.table([spread]);
}
if (probe) {
	console.log(
		`\nOne add visible in /v1/users/{new}/groups, while the mix runs at 32 connections (${probe.load.rps} req/s, ${probe.load.errors} errors)`,
	);
	console.table([probe.add]);
}
if (readRows.length) {
	console.log("\nRead latency, one connection, 200 reads each, every answer checked in full");
	console.table(readRows);
}
console.log("\nRatios");
console.table(ratios);

Object.assign(report, {
	mix: mixes,
	create: { worker: ourCreate, floor: floorCreate, sample: theirCreate },
	scale: scaleRows,
	index: { shards, propagation: spread, addVisible: probe, reads: readRows, onOff: { ...onOff, summary: { on: indexOn, off: indexOff } } },
	webhooks: { ...hooks, summary: { on: hooksOn, off: hooksOff } },
	ratios,
});
writeFileSync(args.out ?? "bench-report.json", `${JSON.stringify(report, null, 2)}\n`);
console.log(`\nreport written to ${args.out}`);
const errors =
	[
		...mixes.flatMap((m) => m.runs),
		...onOff.on,
		...onOff.off,
		...hooks.on,
		...hooks.off,
		...(hooks.probe ? [hooks.probe.load, hooks.probe.latency] : []),
		...(probe ? [probe.load, probe.add] : []),
		...readRows,
		...(spread ? [spread] : []),
	].reduce((n, r) => n + r.errors, 0) +
	scaleRows.reduce((n, r) => n + r.errors, 0) +
	(hooks.unverified ?? 0);
if (errors) console.log(`${errors} wrong answers (see sampleError in the report)`);
