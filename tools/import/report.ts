/** What a run tells the operator: the report file, the printed lines and the exit status. No I/O. */
import { type ImportOptions, shownSource } from "./args.ts";
import { dndCount, type Problem, ProblemKinds } from "./clean.ts";
import type { Result, Written } from "./put.ts";
import { SKIPPING, type Selection } from "./select.ts";

export interface Run {
	readonly options: ImportOptions;
	/** Rows of the sample's `groups` table. */
	readonly groupsRead: number;
	readonly selection: Selection;
	/** The server's answers; none on a dry run. */
	readonly written: readonly Written[];
	readonly gone: readonly string[];
	readonly startedAt: number;
	readonly readMs: number;
	readonly writeMs: number;
}

interface KindTally {
	count: number;
	groups: Set<string>;
	items: { groupId: string; detail: string }[];
}

/** Answers counted by result, and the problems by kind, cleaning's followed by the server's refusals. */
function tally(run: Run) {
	const counts: Record<Result, number> = {
		created: 0,
		unchanged: 0,
		replaced: 0,
		revived: 0,
		conflict: 0,
		"deleted-here": 0,
		refused: 0,
		"group-full": 0,
		failed: 0,
	};
	for (const w of run.written) counts[w.result]++;
	const problems: Problem[] = [...run.selection.problems];
	for (const w of run.written) {
		if (w.result === "refused") problems.push({ kind: "refused-by-server", groupId: w.groupId, detail: w.error ?? "" });
		if (w.result === "group-full") problems.push({ kind: "group-full", groupId: w.groupId, detail: w.error ?? "" });
	}
	const byKind = new Map<string, KindTally>();
	for (const p of problems) {
		const entry = byKind.get(p.kind) ?? { count: 0, groups: new Set(), items: [] };
		entry.count++;
		entry.groups.add(p.groupId);
		entry.items.push({ groupId: p.groupId, detail: p.detail });
		byKind.set(p.kind, entry);
	}
	const { groups, skippedIds } = run.selection;
	return {
		counts,
		problems,
		byKind,
		members: groups.reduce((n, g) => n + g.body.members.length, 0),
		dnd: groups.reduce((n, g) => n + dndCount(g.body), 0),
		skipped: skippedIds.size + counts.refused + counts["group-full"] + counts["deleted-here"],
	};
}

/** The report file's content (`--report`); `totalMs` is the run's time so far. */
export function buildReport(run: Run, totalMs: number) {
	const { options, selection, written } = run;
	const { counts, problems, byKind, members, dnd, skipped } = tally(run);
	const cleaningSkipped = (p: Problem) => selection.skippedIds.has(p.groupId) && SKIPPING.has(p.kind);
	const answered = (...results: Result[]) => written.filter((w) => results.includes(w.result));
	return {
		source: shownSource(options),
		url: options.url ?? null,
		dryRun: options.dryRun,
		overwrite: options.overwrite,
		revive: options.revive,
		timeZone: options.timeZone,
		startedAt: new Date(run.startedAt).toISOString(),
		seconds: { read: run.readMs / 1000, write: run.writeMs / 1000, total: totalMs / 1000 },
		groups: {
			read: run.groupsRead,
			toImport: selection.groups.length,
			created: counts.created,
			unchanged: counts.unchanged,
			replaced: counts.replaced,
			revived: counts.revived,
			conflicts: counts.conflict,
			skipped,
			failed: counts.failed,
		},
		members,
		doNotDisturb: dnd,
		problems: Object.fromEntries(
			[...byKind].map(([kind, e]) => [
				kind,
				{ meaning: ProblemKinds[kind as keyof typeof ProblemKinds], count: e.count, groups: [...e.groups], items: e.items },
			]),
		),
		conflicts: answered("conflict").map((w) => ({ groupId: w.groupId, error: w.error })),
		skipped: [
			...problems.filter(cleaningSkipped).map((p) => ({ groupId: p.groupId, why: `${p.kind}: ${p.detail}` })),
			...answered("refused", "group-full", "deleted-here").map((w) => ({ groupId: w.groupId, why: w.error })),
		],
		failed: answered("failed").map((w) => ({ groupId: w.groupId, status: w.status, error: w.error })),
		goneFromSample: run.gone,
		imported: answered("created", "unchanged", "replaced", "revived").map((w) => w.groupId),
	};
}

/** The closing table and hints, one string per printed line. */
export function summaryLines(run: Run, totalMs: number): string[] {
	const { options, selection } = run;
	const { counts, byKind, members, dnd, skipped } = tally(run);
	const lines: string[] = [];
	const row = (label: string, value: string | number) => lines.push(`  ${label.padEnd(22)} ${String(value).padStart(10)}`);
	lines.push(options.dryRun ? "\ndry run: nothing was written" : "\nsummary");
	if (options.dryRun) row("groups to import", selection.groups.length);
	else {
		row("groups created", counts.created);
		row("groups unchanged", counts.unchanged);
		row("groups replaced", counts.replaced);
		if (options.revive || counts.revived) row("groups revived", counts.revived);
		row("groups in conflict", counts.conflict);
		row("groups failed", counts.failed);
	}
	row("groups skipped", skipped);
	if (options.previous) row("gone from the sample", run.gone.length);
	row("members", members);
	row("DND flags", dnd);
	lines.push("  problems by kind");
	for (const [kind, e] of [...byKind].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
		row(`  ${kind}`, `${e.count} (${e.groups.size} groups)`);
	if (!byKind.size) row("  none", "");
	row("time", `${(totalMs / 1000).toFixed(1)} s`);
	if (!options.dryRun && selection.groups.length)
		row("rate", `${(selection.groups.length / Math.max(run.writeMs / 1000, 0.001)).toFixed(0)} groups/s`);
	lines.push(`report: ${options.report}`);
	if (counts["deleted-here"])
		lines.push(
			`${counts["deleted-here"]} groups were deleted here and stay deleted: see "skipped" in the report; --revive brings them back`,
		);
	if (counts.conflict)
		lines.push(`${counts.conflict} groups are here with other content: see "conflicts" in the report; --overwrite replaces them`);
	if (run.gone.length)
		lines.push(`${run.gone.length} groups imported earlier are gone from the sample: see "goneFromSample" in the report`);
	return lines;
}

/** 1 when a group was not written as asked (a failure, a conflict, a bad or repeated line of an export file), for scripts and CI. */
export function exitCode(written: readonly Written[], problems: readonly Problem[] = []): number {
	return written.some((w) => w.result === "failed" || w.result === "conflict") ||
		problems.some((p) => p.kind === "bad-line" || p.kind === "duplicate-line")
		? 1
		: 0;
}
