/**
 * npm run export -- --url <base URL> [--api-token T | env API_TOKEN] [--out groups.ndjson]
 *                   [--after <groupId>] [--concurrency 8] [--page 1000]
 *
 * Every live group of a deployment, one JSON line each (GET /v1/groups/{id}/export),
 * in id order, to a file or standard output. Progress and the summary go to
 * standard error. Exit status: 0 done, 1 a group could not be read (the file holds
 * every group before it: resume with --after), 2 usage error, 130 interrupted.
 *
 * This file does the I/O; the decisions are in args.ts, list.ts, ordered.ts, resume.ts and report.ts.
 */
import { createWriteStream } from "node:fs";
import type { Writable } from "node:stream";
import { progressLine } from "../import/progress.ts";
import { parseExportArgs, USAGE } from "./args.ts";
import { type ExportLine, lineProblem } from "./lines.ts";
import { type Listed, listGroups, Refused } from "./list.ts";
import { inOrder } from "./ordered.ts";
import { exportExitCode, exportSummary, ExitCode } from "./report.ts";
import { prepareOut } from "./resume.ts";
import { GaveUp, getRetrying } from "./retry.ts";

type Fetched = { kind: "line"; text: string; members: number } | { kind: "gone" } | { kind: "failed"; error: string };

async function main(): Promise<number> {
	const parsed = parseExportArgs(process.argv.slice(2), process.env);
	if ("help" in parsed || "error" in parsed) {
		if ("error" in parsed) console.error(`error: ${parsed.error}\n`);
		console.error(USAGE);
		return "error" in parsed ? ExitCode.Usage : ExitCode.Done;
	}
	const { options } = parsed;
	const started = Date.now();
	if (options.out) {
		const problem = prepareOut(options.out, options.after);
		if (problem) {
			console.error(`error: ${problem}`);
			return ExitCode.Failed;
		}
	}

	let listed: Listed[];
	try {
		listed = await listGroups(options.url, options.apiToken, {
			page: options.page,
			after: options.after,
			onPage: (n) => process.stderr.isTTY && process.stderr.write(`\rlisting: ${n} groups\x1b[K`),
		});
	} catch (e) {
		const why = e instanceof Refused || e instanceof GaveUp ? e.message : String(e);
		console.error(`${process.stderr.isTTY ? "\n" : ""}error: cannot list the groups of ${options.url}: ${why}`);
		return ExitCode.Failed;
	}
	console.error(
		`${process.stderr.isTTY ? "\r" : ""}listed ${listed.length} groups${options.after ? ` after ${options.after}` : ""} in ${((Date.now() - started) / 1000).toFixed(1)} s\x1b[K`,
	);

	const sink: Writable = options.out ? createWriteStream(options.out, { flags: "a" }) : process.stdout;
	const skipped: string[] = [];
	let written = 0;
	let members = 0;
	let bytes = 0;
	let last: string | undefined;
	let failed: { groupId: string; error: string } | undefined;
	let interrupted = false;
	const onSignal = () => {
		if (interrupted) process.exit(ExitCode.Interrupted);
		interrupted = true;
		console.error("\nstopping: finishing the groups under way (Ctrl-C again to quit at once)");
	};
	process.on("SIGINT", onSignal);
	process.on("SIGTERM", onSignal);

	const fetchStarted = Date.now();
	const tty = process.stderr.isTTY === true;
	const progress = (final = false) => {
		const line = progressLine({
			done: written + skipped.length,
			total: listed.length,
			membersDone: members,
			failed: failed ? 1 : 0,
			skipped: skipped.length,
			seconds: (Date.now() - fetchStarted) / 1000,
		});
		if (tty) process.stderr.write(`\r${line}\x1b[K${final ? "\n" : ""}`);
		else console.error(line);
	};
	const ticker = setInterval(progress, tty ? 250 : 5000);
	await inOrder(
		listed,
		{ concurrency: options.concurrency, stop: () => interrupted || failed !== undefined },
		(g) => fetchGroup(options.url, options.apiToken, g.groupId),
		(result, g) => {
			if (failed) return;
			if (result.kind === "failed") failed = { groupId: g.groupId, error: result.error };
			else if (result.kind === "gone") skipped.push(g.groupId);
			else {
				sink.write(result.text);
				bytes += Buffer.byteLength(result.text);
				written++;
				members += result.members;
				last = g.groupId;
			}
		},
	);
	clearInterval(ticker);
	progress(true);
	if (options.out) await new Promise((resolve) => sink.end(resolve));
	const run = {
		listed: listed.length,
		written,
		members,
		bytes,
		skipped,
		failed,
		interrupted: interrupted && !failed && written + skipped.length < listed.length,
		last,
		after: options.after,
		out: options.out,
		seconds: (Date.now() - started) / 1000,
	};
	for (const line of exportSummary(run)) console.error(line);
	return exportExitCode(run);
}

/** One group's line; 404/410: deleted since the list; anything else unreadable after the retries stops the run. */
async function fetchGroup(base: string, apiToken: string, groupId: string): Promise<Fetched> {
	try {
		const answer = await getRetrying(`${base}/v1/groups/${groupId}/export`, apiToken);
		if (answer.status === 404 || answer.status === 410) return { kind: "gone" };
		if (answer.status !== 200) return { kind: "failed", error: `HTTP ${answer.status}: ${answer.body.slice(0, 300)}` };
		const line = JSON.parse(answer.body) as ExportLine;
		const problem = lineProblem(line);
		if (problem) return { kind: "failed", error: `the server's answer is no export line: ${problem}` };
		if (line.groupId !== groupId) return { kind: "failed", error: `asked for ${groupId}, got ${line.groupId}` };
		// Written again by us: one line, whatever spacing the answer had.
		return { kind: "line", text: `${JSON.stringify(line)}\n`, members: line.members.length };
	} catch (e) {
		return { kind: "failed", error: e instanceof Error ? e.message : String(e) };
	}
}

process.exit(await main());
