/**
 * node bench/import.ts --mysql mysql://user:pass@127.0.0.1:3317/import_bench [--groups 10000 --members 50]
 *
 * The import rate: fills the database's `groups`/`userGroup` tables in the
 * sample's format (dropping what was there), starts a fresh `wrangler dev`, and
 * times `npm run import` into it twice (all created, then all unchanged).
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import mysql from "mysql2/promise";
import { startDevServer } from "../test/e2e/dev-server.ts";

const { values: args } = parseArgs({
	options: {
		mysql: { type: "string" },
		groups: { type: "string", default: "10000" },
		members: { type: "string", default: "50" },
		concurrency: { type: "string", default: "16" },
		passes: { type: "string", default: "2" },
	},
});
const url = args.mysql ?? "";
const groupCount = Number(args.groups);
const memberCount = Number(args.members);
const root = fileURLToPath(new URL("..", import.meta.url));
const API_TOKEN = "import-bench-api-token-0123456789";

const db = await mysql.createConnection({ uri: url, multipleStatements: true });
await db.query(`DROP TABLE IF EXISTS \`groups\`, userGroup;
CREATE TABLE \`groups\` (id int unsigned NOT NULL AUTO_INCREMENT, groupName varchar(1024), userList longtext, needAuth tinyint unsigned DEFAULT 1,
  hasLive tinyint unsigned DEFAULT 0, state tinyint unsigned DEFAULT 1, creator varchar(100) NOT NULL, numLimit mediumint unsigned DEFAULT 20000,
  curNum mediumint unsigned, ctime datetime, PRIMARY KEY (id)) ENGINE=MyISAM DEFAULT CHARSET=utf8;
CREATE TABLE userGroup (id int unsigned NOT NULL AUTO_INCREMENT, userId varchar(100) NOT NULL, groupList mediumtext NOT NULL, PRIMARY KEY (id), KEY userId (userId)) ENGINE=MyISAM DEFAULT CHARSET=utf8;`);
// Members drawn from a pool of users so that each user is in several groups; every 10th member has DND on.
const users = Math.max(memberCount, Math.floor((groupCount * memberCount) / 5));
const groupsOfUser = new Map<number, string[]>();
for (let start = 0; start < groupCount; start += 500) {
	const rows: unknown[][] = [];
	for (let g = start; g < Math.min(groupCount, start + 500); g++) {
		const id = 100462 + g;
		const members = Array.from({ length: memberCount }, (_, i) => (g * 7919 + i * 104729) % users);
		const list = members.map((u, i) => `user${u}_${i % 10 === 9 ? 1 : 0}`).join(",");
		for (const [i, u] of members.entries()) groupsOfUser.set(u, [...(groupsOfUser.get(u) ?? []), `${id}_${i % 10 === 9 ? 1 : 0}`]);
		rows.push([id, `group ${g}`, list, `user${members[0]}`, memberCount, "2024-05-01 10:00:00"]);
	}
	await db.query("INSERT INTO `groups` (id, groupName, userList, creator, curNum, ctime) VALUES ?", [rows]);
}
const index = [...groupsOfUser].map(([u, list]) => [`user${u}`, list.join(",")]);
for (let i = 0; i < index.length; i += 5000)
	await db.query("INSERT INTO userGroup (userId, groupList) VALUES ?", [index.slice(i, i + 5000)]);
await db.end();
console.log(`filled ${groupCount} groups x ${memberCount} members (${groupsOfUser.size} users)`);

const scratch = mkdtempSync(join(tmpdir(), "import-bench-"));
const dev = await startDevServer({ vars: { API_TOKEN } });
try {
	for (const pass of ["first run (created)", "second run (unchanged)"].slice(0, Number(args.passes))) {
		const report = join(scratch, "report.json");
		// Not spawnSync: this process must keep draining wrangler dev's output, or workerd blocks writing its log.
		const run = spawn(
			process.execPath,
			["tools/import/main.ts", "--from", url, "--url", dev.url, "--report", report, "--concurrency", args.concurrency ?? "16"],
			{
				cwd: root,
				env: { ...process.env, API_TOKEN },
				// The importer's own progress lines and summary go straight to our output.
				stdio: "inherit",
			},
		);
		const [status] = (await once(run, "exit")) as [number | null];
		const r = JSON.parse(readFileSync(report, "utf8")) as {
			groups: Record<string, number>;
			members: number;
			seconds: { read: number; write: number };
		};
		const rate = (n: number) => (n / r.seconds.write).toFixed(0);
		console.log(
			`${pass}: exit ${status}; read ${r.seconds.read.toFixed(1)} s; write ${r.seconds.write.toFixed(1)} s = ${rate(r.groups.toImport ?? 0)} groups/s, ${rate(r.members)} members/s; ${JSON.stringify(r.groups)}`,
		);
	}
} finally {
	await dev.stop();
	rmSync(scratch, { recursive: true, force: true });
}
