/**
 * node bench/backup.ts --mysql mysql://root:pass@127.0.0.1:3317/backup_bench [--groups 10000 --members 50] [--concurrency 16]
 *
 * Backups and restore, against the sample's own mysqldump of the same data (docs/performance.md
 * "Backup and restore"). Fills the database in the sample's format (bench/sample-data.ts), then:
 * 1. mysqldump of `groups` and `userGroup`: time and size; reloading the dump into a scratch database: time.
 * 2. Restore into a fresh `wrangler dev` (local storage, an R2 bucket bound as BACKUPS): the same groups
 *    as an export file (members in order, DND, join times), with `npm run import --from`.
 * 3. `npm run export` of that deployment: time and size.
 * 4. The nightly backup of the same deployment (GET /__scheduled): time to the file in R2, and
 *    whether it is byte for byte the export file.
 * 5. Restore of the export file into another fresh `wrangler dev`: time.
 * localhost only; the database must be a scratch one (its two tables are dropped).
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import mysql from "mysql2/promise";
import { type DevServer, startDevServer } from "../test/e2e/dev-server.ts";
import { CREATED_AT, dndAt, FIRST_ID, fillSample, membersOf } from "./sample-data.ts";

const { values: args } = parseArgs({
	options: {
		mysql: { type: "string" },
		groups: { type: "string", default: "10000" },
		members: { type: "string", default: "50" },
		concurrency: { type: "string", default: "16" },
	},
});
const url = new URL(args.mysql ?? "mysql://root@127.0.0.1:3317/backup_bench");
const database = url.pathname.slice(1);
const groupCount = Number(args.groups);
const memberCount = Number(args.members);
const root = fileURLToPath(new URL("..", import.meta.url));
const API_TOKEN = "backup-bench-api-token-0123456789";
const BUCKET = "aec-backups-bench";
const scratch = mkdtempSync(join(tmpdir(), "backup-bench-"));
const figures: Record<string, string | number | boolean> = { date: new Date().toISOString(), groups: groupCount, members: memberCount };
const seconds = (since: number) => Number(((Date.now() - since) / 1000).toFixed(1));
const mib = (path: string) => Number((statSync(path).size / 1048576).toFixed(2));

/** Runs a command; its output goes to ours. Not spawnSync: wrangler dev's output must keep draining. */
async function run(command: string, argv: string[], options: { stdin?: string; stdout?: string; env?: NodeJS.ProcessEnv } = {}) {
	const child = spawn(command, argv, {
		cwd: root,
		env: { ...process.env, ...options.env },
		stdio: [options.stdin ? "pipe" : "ignore", options.stdout ? "pipe" : "inherit", "inherit"],
	});
	if (options.stdin && child.stdin) createReadStream(options.stdin).pipe(child.stdin);
	let out = "";
	child.stdout?.on("data", (chunk) => (out += chunk));
	const [status] = (await once(child, "exit")) as [number | null];
	if (status !== 0) throw new Error(`${command} ${argv.join(" ")} exited ${status}`);
	return out;
}

const db = ["-h", url.hostname, "-P", url.port || "3306", "-u", decodeURIComponent(url.username)];
if (url.password) db.push(`-p${decodeURIComponent(url.password)}`);

// ---- the data, and the sample's own copy of it
const users = await fillSample(url.href, groupCount, memberCount);
console.log(`filled ${groupCount} groups x ${memberCount} members (${users} users)`);
const dump = join(scratch, "dump.sql");
let started = Date.now();
await run("mariadb-dump", [...db, `--result-file=${dump}`, database, "groups", "userGroup"]);
figures.mysqldumpSeconds = seconds(started);
figures.mysqldumpMiB = mib(dump);
const admin = await mysql.createConnection({ uri: url.href });
await admin.query(`DROP DATABASE IF EXISTS \`${database}_reload\``);
await admin.query(`CREATE DATABASE \`${database}_reload\``);
started = Date.now();
await run("mariadb", [...db, `${database}_reload`], { stdin: dump });
figures.mysqlReloadSeconds = seconds(started);
await admin.query(`DROP DATABASE \`${database}_reload\``);
await admin.end();
console.log(JSON.stringify(figures));

// ---- the same groups as an export file: what the sample import gives, with join times as a deployment that lived has them
const seed = join(scratch, "seed.ndjson");
const lines: string[] = [];
for (let g = 0; g < groupCount; g++) {
	const seen = new Set<string>();
	const members = membersOf(g, groupCount, memberCount)
		.map((u, i) => ({ userId: `user${u}`, doNotDisturb: dndAt(i), joinedAt: new Date(CREATED_AT + i * 1000).toISOString() }))
		.filter((m) => !seen.has(m.userId) && seen.add(m.userId));
	const creator = members[0]?.userId ?? "";
	lines.push(
		JSON.stringify({
			groupId: String(FIRST_ID + g),
			name: `group ${g}`,
			creator,
			createdAt: new Date(CREATED_AT).toISOString(),
			version: 1,
			members,
		}),
	);
}
writeFileSync(seed, `${lines.join("\n")}\n`);

// wrangler.toml with an R2 bucket bound as BACKUPS (paths made absolute, since this file lives elsewhere).
const config = join(scratch, "wrangler.toml");
writeFileSync(
	config,
	`${readFileSync(join(root, "wrangler.toml"), "utf8")
		.replace('main = "src/index.ts"', `main = "${join(root, "src/index.ts")}"`)
		.replace(
			'directory = "./console"',
			`directory = "${join(root, "console")}"`,
		)}\n[[r2_buckets]]\nbinding = "BACKUPS"\nbucket_name = "${BUCKET}"\n`,
);

async function restore(file: string, dev: DevServer, label: string) {
	const report = join(scratch, `${label}.json`);
	const begin = Date.now();
	await run(
		process.execPath,
		["tools/import/main.ts", "--from", file, "--url", dev.url, "--report", report, "--concurrency", args.concurrency ?? "16"],
		{
			env: { API_TOKEN },
		},
	).catch((e) => console.error(String(e)));
	const r = JSON.parse(readFileSync(report, "utf8")) as { groups: Record<string, number> };
	figures[`${label}Seconds`] = seconds(begin);
	figures[`${label}Result`] = JSON.stringify(r.groups);
	console.log(JSON.stringify(figures));
}

async function listedCount(base: string): Promise<number> {
	let n = 0;
	let cursor: string | undefined;
	do {
		const page = (await (
			await fetch(`${base}/v1/groups?limit=1000${cursor ? `&cursor=${cursor}` : ""}`, { headers: { Authorization: `Bearer ${API_TOKEN}` } })
		).json()) as { groups: unknown[]; next?: string };
		n += page.groups.length;
		cursor = page.next;
	} while (cursor);
	return n;
}

const persistA = join(scratch, "a");
const vars = { API_TOKEN };
const a = await startDevServer({ vars, persistTo: persistA, config, args: ["--test-scheduled"] });
const exported = join(scratch, "export.ndjson");
try {
	await restore(seed, a, "restoreSeed");
	started = Date.now();
	while ((await listedCount(a.url)) < groupCount && Date.now() - started < 600_000) await new Promise((r) => setTimeout(r, 1000));
	figures.listedAfterSeconds = seconds(started);

	started = Date.now();
	await run(process.execPath, ["tools/export/main.ts", "--url", a.url, "--out", exported], { env: { API_TOKEN } });
	figures.exportSeconds = seconds(started);
	figures.exportMiB = mib(exported);
	console.log(JSON.stringify(figures));

	// The nightly backup, as the cron trigger starts it.
	const logBefore = a.output().length;
	started = Date.now();
	await fetch(`${a.url}/__scheduled?cron=${encodeURIComponent("17 3 * * *")}`);
	const done = () =>
		a
			.output()
			.slice(logBefore)
			.match(/\{[^\n]*"step":"done"[^\n]*\}/)?.[0];
	while (!done() && Date.now() - started < 1_200_000) await new Promise((r) => setTimeout(r, 500));
	figures.backupSeconds = seconds(started);
	figures.backupLog = done() ?? "no done line";
	const day = new Date().toISOString().slice(0, 10);
	const backup = join(scratch, "backup.ndjson");
	await run(
		"npx",
		[
			"wrangler",
			"r2",
			"object",
			"get",
			`${BUCKET}/groups-${day}.ndjson`,
			"--local",
			"--persist-to",
			persistA,
			"-c",
			config,
			"--file",
			backup,
		],
		{
			env: { WRANGLER_SEND_METRICS: "false" },
		},
	);
	figures.backupMiB = mib(backup);
	figures.backupEqualsExport = readFileSync(backup).equals(readFileSync(exported));
	console.log(JSON.stringify(figures));
} finally {
	await a.stop();
}

const b = await startDevServer({ vars });
try {
	await restore(exported, b, "restoreExport");
} finally {
	await b.stop();
	rmSync(scratch, { recursive: true, force: true });
}
console.log(`\nfigures: ${JSON.stringify(figures, null, 1)}`);
