/**
 * npm run import -- --from mysql://user:pass@host:3306/starRTC_private | --from dump.sql | --from groups.ndjson
 *                   --url <our base URL> [--api-token <API_TOKEN>] [--dry-run] [--overwrite] [--revive]
 *                   [--concurrency 16] [--report import-report.json] [--timezone Asia/Shanghai] [--groups id,id]
 *                   [--previous earlier-report.json]
 *
 * Moves the StarRTC sample server's groups here under their own ids, or puts
 * back the groups of an export file (`npm run export`, a nightly backup). Every run
 * re-reads everything and writes every group: what is already here unchanged
 * is a no-op, so a run that stopped half-way is finished by running it again.
 *
 * This file does the I/O; the decisions are in args.ts, select.ts, progress.ts and report.ts.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { type ImportOptions, parseImportArgs, shownSource, USAGE } from "./args.ts";
import { cleanAll, type GroupToWrite, type SampleData } from "./clean.ts";
import { progressLine, readLine } from "./progress.ts";
import { pool, putGroup, type Written } from "./put.ts";
import { readDump, readMysql } from "./read.ts";
import { readExportFile } from "./read-export.ts";
import { buildReport, exitCode, summaryLines } from "./report.ts";
import { goneFromSample, type Selection, selectGroups } from "./select.ts";

async function main(): Promise<number> {
	const parsed = parseImportArgs(process.argv.slice(2), process.env);
	if ("help" in parsed || "error" in parsed) {
		if ("error" in parsed) console.error(`error: ${parsed.error}\n`);
		console.error(USAGE);
		return "error" in parsed ? 2 : 0;
	}
	const { options } = parsed;
	const started = Date.now();

	console.log(`reading ${shownSource(options)}`);
	let read: { selection: Selection; groupsRead: number; gone: string[]; line: (readMs: number) => string };
	try {
		read = options.source === "export" ? await fromExport(options) : await fromSample(options);
	} catch (e) {
		console.error(`error: cannot read ${shownSource(options)}: ${e instanceof Error ? e.message : e}`);
		return 1;
	}
	const { selection, groupsRead, gone } = read;
	const readMs = Date.now() - started;
	console.log(read.line(readMs));
	for (const p of selection.problems)
		if (p.kind === "bad-line" || p.kind === "duplicate-line") console.error(`${options.from}: ${p.detail}`);

	if (!options.dryRun && !(await tokenTaken(options))) return 1;

	const writeStarted = Date.now();
	const written = options.dryRun ? [] : await writeAll(selection.groups, options);
	const run = {
		options,
		groupsRead,
		selection,
		written,
		gone,
		startedAt: started,
		readMs,
		writeMs: Date.now() - writeStarted,
	};
	writeFileSync(options.report, `${JSON.stringify(buildReport(run, Date.now() - started), null, 1)}\n`);
	for (const line of summaryLines(run, Date.now() - started)) console.log(line);
	return exitCode(written, selection.problems);
}

/** The sample's tables, cleaned. */
async function fromSample(options: ImportOptions) {
	const data: SampleData = options.source === "mysql" ? await readMysql(options.from) : await readDump(options.from);
	const selection = selectGroups(cleanAll(data, options.timeZone), options.only);
	let gone: string[] = [];
	if (options.previous) {
		const earlier = JSON.parse(readFileSync(options.previous, "utf8")) as { imported?: string[] };
		gone = goneFromSample(earlier.imported ?? [], data, options.only);
	}
	const counts = { groups: data.groups.length, userGroups: data.userGroups.length };
	return { selection, groupsRead: data.groups.length, gone, line: (ms: number) => readLine(counts, selection, ms) };
}

/** An export file's lines, as they are: a bad line is reported and skipped, the others are sent. */
async function fromExport(options: ImportOptions) {
	const file = await readExportFile(options.from);
	const selection = selectGroups(file, options.only);
	const line = (ms: number) =>
		`read ${file.lines} lines in ${(ms / 1000).toFixed(1)} s; ${selection.groups.length} groups to import, ${selection.skippedIds.size} lines skipped`;
	return { selection, groupsRead: file.lines, gone: [], line };
}

/** A wrong token or URL would fail every group: find out once, first. */
async function tokenTaken(options: ImportOptions): Promise<boolean> {
	const probe = await fetch(`${options.url?.replace(/\/+$/, "")}/v1/groups/1`, {
		headers: { Authorization: `Bearer ${options.apiToken}` },
	}).catch((e: Error) => e);
	if (probe instanceof Error || probe.status === 401 || probe.status === 403) {
		console.error(
			`error: ${options.url} does not take this API token (${probe instanceof Error ? probe.message : `HTTP ${probe.status}`})`,
		);
		return false;
	}
	return true;
}

/** Every group through the pool, with progress: redrawn in place on a terminal, a plain line every 5 s otherwise. */
async function writeAll(groups: GroupToWrite[], options: ImportOptions): Promise<Written[]> {
	const written: Written[] = [];
	if (!groups.length) return written;
	const tty = process.stdout.isTTY === true;
	const started = Date.now();
	const membersOf = new Map(groups.map((g) => [g.groupId, g.body.members.length]));
	let membersDone = 0;
	let failed = 0;
	const progress = (final = false) => {
		const line = progressLine({ done: written.length, total: groups.length, membersDone, failed, seconds: (Date.now() - started) / 1000 });
		if (tty) process.stdout.write(`\r${line}\x1b[K${final ? "\n" : ""}`);
		else console.log(line);
	};
	const ticker = setInterval(progress, tty ? 250 : 5000);
	await pool(
		groups,
		options.concurrency,
		(g: GroupToWrite) =>
			putGroup(g, { url: options.url ?? "", apiToken: options.apiToken, overwrite: options.overwrite, revive: options.revive }),
		(w) => {
			written.push(w);
			if (w.result === "failed") failed++;
			membersDone += membersOf.get(w.groupId) ?? 0;
		},
	);
	clearInterval(ticker);
	progress(true);
	return written;
}

process.exit(await main());
