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
import { startDevServer } from "../test/e2e/dev-server.ts";
import { fillSample } from "./sample-data.ts";

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

const users = await fillSample(url, groupCount, memberCount);
console.log(`filled ${groupCount} groups x ${memberCount} members (${users} users)`);

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
