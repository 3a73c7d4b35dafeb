/**
 * npm run import -- --from mysql://user:pass@host:3306/starRTC_private | --from dump.sql
 *                   --url <our base URL> [--api-token <API_TOKEN>] [--dry-run] [--overwrite]
 *                   [--concurrency 16] [--report import-report.json] [--timezone Asia/Shanghai] [--groups id,id]
 *                   [--previous earlier-report.json]
 *
 * Moves the StarRTC sample server's groups here under their own ids. Every run
 * re-reads everything and writes every group: what is already here unchanged
 * is a no-op, so a run that stopped half-way is finished by running it again.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { type CleanGroup, type Problem, ProblemKinds, cleanAll, type SampleData } from "./clean.ts";
import { type Result, type Written, pool, putGroup } from "./put.ts";
import { readDump, readMysql } from "./read.ts";

const { values: args } = parseArgs({
	options: {
		from: { type: "string" },
		url: { type: "string" },
		"api-token": { type: "string" },
		"dry-run": { type: "boolean", default: false },
		overwrite: { type: "boolean", default: false },
		concurrency: { type: "string", default: "16" },
		report: { type: "string", default: "import-report.json" },
		// The sample's config.php sets Asia/Shanghai; ctime is its local wall time.
		timezone: { type: "string", default: "Asia/Shanghai" },
		groups: { type: "string" },
		previous: { type: "string" },
		help: { type: "boolean", default: false },
	},
});

function usage(message?: string): never {
	if (message) console.error(`error: ${message}\n`);
	console.error(
		"usage: npm run import -- --from <mysql://user:pass@host:port/db | dump.sql> --url <base URL> [--api-token T | env API_TOKEN]\n" +
			"                        [--dry-run] [--overwrite] [--concurrency 16] [--report file.json] [--timezone Asia/Shanghai] [--groups id,id]\n" +
			"                        [--previous earlier-report.json]",
	);
	process.exit(message ? 2 : 0);
}

if (args.help) usage();
const from = args.from ?? usage("--from is required");
const dryRun = args["dry-run"] ?? false;
const apiToken = args["api-token"] ?? process.env.API_TOKEN ?? "";
const concurrency = Number(args.concurrency);
if (!Number.isInteger(concurrency) || concurrency < 1) usage("--concurrency must be a positive integer");
if (!dryRun && !args.url) usage("--url is required (or --dry-run)");
if (!dryRun && !apiToken) usage("--api-token or env API_TOKEN is required (or --dry-run)");
const timeZone = args.timezone ?? "Asia/Shanghai";
try {
	new Intl.DateTimeFormat("en-US", { timeZone });
} catch {
	usage(`--timezone ${timeZone} is not a time zone`);
}
const only = args.groups ? new Set(args.groups.split(",").map((id) => id.trim())) : undefined;
const tty = process.stdout.isTTY === true;
const started = Date.now();

const source = /^mysql:\/\//i.test(from) ? "mysql" : "dump";
console.log(`reading ${source === "mysql" ? from.replace(/\/\/[^@/]*@/, "//…@") : from}`);
let data: SampleData;
try {
	data = source === "mysql" ? await readMysql(from) : await readDump(from);
} catch (e) {
	console.error(`error: cannot read ${from}: ${e instanceof Error ? e.message : e}`);
	process.exit(1);
}
const cleaned = cleanAll(data, timeZone);
const groups = only ? cleaned.groups.filter((g) => only.has(g.groupId)) : cleaned.groups;
const problems: Problem[] = only ? cleaned.problems.filter((p) => only.has(p.groupId)) : cleaned.problems;
const skippedIds = new Set(problems.filter((p) => p.kind === "invalid-creator" || p.kind === "invalid-group-id").map((p) => p.groupId));
// Groups an earlier run imported that the sample no longer has (deleted there since): listed, never deleted here.
let gone: string[] = [];
if (args.previous) {
	const earlier = JSON.parse(readFileSync(args.previous, "utf8")) as { imported?: string[] };
	const now = new Set(data.groups.map((row) => row.id.trim()));
	gone = (earlier.imported ?? []).filter((id) => !now.has(id) && (!only || only.has(id)));
}
const readMs = Date.now() - started;
console.log(`read ${data.groups.length} groups and ${data.userGroups.length} userGroup rows in ${(readMs / 1000).toFixed(1)} s; ${groups.length} to import, ${skippedIds.size} skipped`);

if (!dryRun) {
	// A wrong token or URL would fail every group: find out once, first.
	const probe = await fetch(`${args.url?.replace(/\/+$/, "")}/v1/groups/1`, { headers: { Authorization: `Bearer ${apiToken}` } }).catch((e: Error) => e);
	if (probe instanceof Error || probe.status === 401 || probe.status === 403) {
		console.error(`error: ${args.url} does not take this API token (${probe instanceof Error ? probe.message : `HTTP ${probe.status}`})`);
		process.exit(1);
	}
}

const written: Written[] = [];
const counts: Record<Result, number> = { created: 0, unchanged: 0, replaced: 0, conflict: 0, "deleted-here": 0, refused: 0, "group-full": 0, failed: 0 };
let membersDone = 0;
const writeStarted = Date.now();
const membersOf = new Map(groups.map((g) => [g.groupId, g.body.members.length]));

function progress(final = false) {
	const done = written.length;
	const seconds = (Date.now() - writeStarted) / 1000;
	const rate = done / Math.max(seconds, 0.001);
	const eta = rate > 0 ? (groups.length - done) / rate : 0;
	const line = `groups ${done}/${groups.length} (${((100 * done) / Math.max(groups.length, 1)).toFixed(1)}%)  ${rate.toFixed(0)} groups/s  ${(membersDone / Math.max(seconds, 0.001)).toFixed(0)} members/s  ETA ${clock(eta)}  failed ${counts.failed}`;
	if (tty) process.stdout.write(`\r${line}\x1b[K${final ? "\n" : ""}`);
	else console.log(line);
}
const clock = (s: number) => `${Math.floor(s / 60)}:${String(Math.round(s % 60)).padStart(2, "0")}`;

if (!dryRun && groups.length) {
	const ticker = setInterval(progress, tty ? 250 : 5000);
	await pool(
		groups,
		concurrency,
		(g: CleanGroup) => putGroup(g, { url: args.url ?? "", apiToken, overwrite: args.overwrite ?? false }),
		(w) => {
			written.push(w);
			counts[w.result]++;
			membersDone += membersOf.get(w.groupId) ?? 0;
		},
	);
	clearInterval(ticker);
	progress(true);
}
const writeMs = Date.now() - writeStarted;

for (const w of written) {
	if (w.result === "refused") problems.push({ kind: "refused-by-server", groupId: w.groupId, detail: w.error ?? "" });
	if (w.result === "group-full") problems.push({ kind: "group-full", groupId: w.groupId, detail: w.error ?? "" });
}
const byKind = new Map<string, { count: number; groups: Set<string>; items: { groupId: string; detail: string }[] }>();
for (const p of problems) {
	const entry = byKind.get(p.kind) ?? { count: 0, groups: new Set(), items: [] };
	entry.count++;
	entry.groups.add(p.groupId);
	entry.items.push({ groupId: p.groupId, detail: p.detail });
	byKind.set(p.kind, entry);
}
const members = groups.reduce((n, g) => n + g.body.members.length, 0);
const dnd = groups.reduce((n, g) => n + g.body.doNotDisturb.length, 0);
const skipped = skippedIds.size + counts.refused + counts["group-full"] + counts["deleted-here"];
const report = {
	source: source === "mysql" ? from.replace(/\/\/[^@/]*@/, "//…@") : from,
	url: args.url ?? null,
	dryRun,
	overwrite: args.overwrite ?? false,
	timeZone,
	startedAt: new Date(started).toISOString(),
	seconds: { read: readMs / 1000, write: writeMs / 1000, total: (Date.now() - started) / 1000 },
	groups: {
		read: data.groups.length,
		toImport: groups.length,
		created: counts.created,
		unchanged: counts.unchanged,
		replaced: counts.replaced,
		conflicts: counts.conflict,
		skipped,
		failed: counts.failed,
	},
	members,
	doNotDisturb: dnd,
	problems: Object.fromEntries(
		[...byKind].map(([kind, e]) => [kind, { meaning: ProblemKinds[kind as keyof typeof ProblemKinds], count: e.count, groups: [...e.groups], items: e.items }]),
	),
	conflicts: written.filter((w) => w.result === "conflict").map((w) => ({ groupId: w.groupId, error: w.error })),
	skipped: [
		...problems.filter((p) => skippedIds.has(p.groupId) && (p.kind === "invalid-creator" || p.kind === "invalid-group-id")).map((p) => ({ groupId: p.groupId, why: `${p.kind}: ${p.detail}` })),
		...written.filter((w) => w.result === "refused" || w.result === "group-full" || w.result === "deleted-here").map((w) => ({ groupId: w.groupId, why: w.error })),
	],
	failed: written.filter((w) => w.result === "failed").map((w) => ({ groupId: w.groupId, status: w.status, error: w.error })),
	goneFromSample: gone,
	imported: written.filter((w) => w.result === "created" || w.result === "unchanged" || w.result === "replaced").map((w) => w.groupId),
};
writeFileSync(args.report ?? "import-report.json", `${JSON.stringify(report, null, 1)}\n`);

const row = (label: string, value: string | number) => console.log(`  ${label.padEnd(22)} ${String(value).padStart(10)}`);
console.log(dryRun ? "\ndry run: nothing was written" : "\nsummary");
if (dryRun) row("groups to import", groups.length);
else {
	row("groups created", counts.created);
	row("groups unchanged", counts.unchanged);
	row("groups replaced", counts.replaced);
	row("groups in conflict", counts.conflict);
	row("groups failed", counts.failed);
}
row("groups skipped", skipped);
if (args.previous) row("gone from the sample", gone.length);
row("members", members);
row("DND flags", dnd);
console.log("  problems by kind");
for (const [kind, e] of [...byKind].sort()) row(`  ${kind}`, `${e.count} (${e.groups.size} groups)`);
if (!byKind.size) row("  none", "");
row("time", `${((Date.now() - started) / 1000).toFixed(1)} s`);
if (!dryRun && groups.length) row("rate", `${(groups.length / Math.max(writeMs / 1000, 0.001)).toFixed(0)} groups/s`);
console.log(`report: ${args.report}`);
if (counts.conflict) console.log(`${counts.conflict} groups are here with other content: see "conflicts" in the report; --overwrite replaces them`);
if (gone.length) console.log(`${gone.length} groups imported earlier are gone from the sample: see "goneFromSample" in the report`);
process.exit(counts.failed || counts.conflict ? 1 : 0);
