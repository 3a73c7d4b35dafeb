import { describe, it } from "vitest";
import type { ImportOptions } from "../../tools/import/args.ts";
import type { CleanGroup, Problem } from "../../tools/import/clean.ts";
import type { Result, Written } from "../../tools/import/put.ts";
import { buildReport, exitCode, type Run, summaryLines } from "../../tools/import/report.ts";

const options: ImportOptions = {
	from: "mysql://root:s3cret@db/starRTC_private",
	source: "mysql",
	url: "https://groups.example",
	apiToken: "t",
	dryRun: false,
	overwrite: false,
	revive: false,
	concurrency: 16,
	report: "import-report.json",
	timeZone: "Asia/Shanghai",
};
/** Group n has n members, the last one with DND. */
const group = (n: number): CleanGroup => {
	const members = Array.from({ length: n }, (_, i) => `u${i}`);
	return { groupId: String(n), body: { creator: "u0", name: "g", members, doNotDisturb: members.slice(-1), createdAt: 0 } };
};
const answer = (groupId: string, result: Result, error?: string, status?: number): Written => ({
	groupId,
	result,
	error,
	status,
	attempts: 1,
});
/** One group per answer the server can give, plus group 9, which cleaning skipped. */
const written = [
	answer("1", "created"),
	answer("2", "unchanged"),
	answer("3", "replaced"),
	answer("4", "conflict", "GROUP_EXISTS: other content", 409),
	answer("5", "refused", "BAD_REQUEST: bad name", 400),
	answer("6", "group-full", "GROUP_FULL: too many", 409),
	answer("7", "deleted-here", "GROUP_DELETED: deleted here", 410),
	answer("8", "failed", "after 8 attempts: HTTP 503", 503),
];
const problems: Problem[] = [
	{ kind: "trimmed-id", groupId: "1", detail: '" bob"' },
	{ kind: "invalid-creator", groupId: "9", detail: '"" is empty' },
];
const run: Run = {
	options,
	groupsRead: 10,
	selection: { groups: [1, 2, 3, 4, 5, 6, 7, 8].map(group), problems, skippedIds: new Set(["9"]) },
	written,
	gone: [],
	startedAt: 0,
	readMs: 1500,
	writeMs: 2000,
};
const dryRun: Run = { ...run, options: { ...options, dryRun: true }, written: [] };

describe("the report file", () => {
	it("counts each answer, and lists the conflicts, the skipped, the failed and the imported", ({ expect }) => {
		const report = buildReport(run, 12_345);
		expect(report).toMatchObject({
			source: "mysql://…@db/starRTC_private",
			url: "https://groups.example",
			dryRun: false,
			overwrite: false,
			timeZone: "Asia/Shanghai",
		});
		expect(report.startedAt).toBe("1970-01-01T00:00:00.000Z");
		expect(report.seconds).toEqual({ read: 1.5, write: 2, total: 12.345 });
		expect(report.groups).toEqual({
			read: 10,
			toImport: 8,
			created: 1,
			unchanged: 1,
			replaced: 1,
			revived: 0,
			conflicts: 1,
			skipped: 4,
			failed: 1,
		});
		expect([report.members, report.doNotDisturb]).toEqual([36, 8]);
		expect(report.conflicts).toEqual([{ groupId: "4", error: "GROUP_EXISTS: other content" }]);
		expect(report.skipped).toEqual([
			{ groupId: "9", why: 'invalid-creator: "" is empty' },
			{ groupId: "5", why: "BAD_REQUEST: bad name" },
			{ groupId: "6", why: "GROUP_FULL: too many" },
			{ groupId: "7", why: "GROUP_DELETED: deleted here" },
		]);
		expect(report.failed).toEqual([{ groupId: "8", status: 503, error: "after 8 attempts: HTTP 503" }]);
		expect(report.imported).toEqual(["1", "2", "3"]);
	});

	it("lists problems by kind with their meaning, cleaning's first, then the server's refusals", ({ expect }) => {
		const { problems: byKind } = buildReport(run, 0);
		expect(Object.keys(byKind)).toEqual(["trimmed-id", "invalid-creator", "refused-by-server", "group-full"]);
		expect(byKind["refused-by-server"]).toEqual({
			meaning: "the server answered 400 for the group: skipped (the answer is in the report)",
			count: 1,
			groups: ["5"],
			items: [{ groupId: "5", detail: "BAD_REQUEST: bad name" }],
		});
	});

	it("of a dry run: what a real run would import, nothing counted as written", ({ expect }) => {
		const report = buildReport({ ...dryRun, gone: ["12"] }, 0);
		expect(report.dryRun).toBe(true);
		expect(report.groups).toEqual({
			read: 10,
			toImport: 8,
			created: 0,
			unchanged: 0,
			replaced: 0,
			revived: 0,
			conflicts: 0,
			skipped: 1,
			failed: 0,
		});
		expect([report.imported, report.goneFromSample]).toEqual([[], ["12"]]);
	});
});

describe("the printed summary", () => {
	it("of a real run: each answer counted, problems by kind in alphabetical order, and the conflict hint", ({ expect }) => {
		expect(summaryLines(run, 12_345).join("\n")).toBe(`
summary
  groups created                  1
  groups unchanged                1
  groups replaced                 1
  groups in conflict              1
  groups failed                   1
  groups skipped                  4
  members                        36
  DND flags                       8
  problems by kind
    group-full           1 (1 groups)
    invalid-creator      1 (1 groups)
    refused-by-server    1 (1 groups)
    trimmed-id           1 (1 groups)
  time                       12.3 s
  rate                   4 groups/s
report: import-report.json
1 groups were deleted here and stay deleted: see "skipped" in the report; --revive brings them back
1 groups are here with other content: see "conflicts" in the report; --overwrite replaces them`);
	});

	it("points at --overwrite only when there are conflicts, not for failures", ({ expect }) => {
		const ending = (...answers: Written[]) => summaryLines({ ...run, written: answers }, 0).at(-1);
		expect(ending(answer("4", "conflict"), answer("5", "conflict"))).toBe(
			'2 groups are here with other content: see "conflicts" in the report; --overwrite replaces them',
		);
		expect(ending(answer("8", "failed"))).toBe("report: import-report.json");
	});

	it("of a dry run: says nothing was written, shows what would be imported, and no rate", ({ expect }) => {
		const lines = summaryLines({ ...dryRun, selection: { ...dryRun.selection, problems: [], skippedIds: new Set() } }, 400);
		expect(lines).toEqual([
			"\ndry run: nothing was written",
			"  groups to import                8",
			"  groups skipped                  0",
			"  members                        36",
			"  DND flags                       8",
			"  problems by kind",
			"    none                           ",
			"  time                        0.4 s",
			"report: import-report.json",
		]);
	});

	it("with --previous: how many earlier imports are gone from the sample, and where they are listed", ({ expect }) => {
		const lines = summaryLines({ ...dryRun, options: { ...dryRun.options, previous: "before.json" }, gone: ["12", "13"] }, 0);
		expect(lines).toContain("  gone from the sample            2");
		expect(lines.at(-1)).toBe('2 groups imported earlier are gone from the sample: see "goneFromSample" in the report');
		expect(summaryLines({ ...dryRun, options: { ...dryRun.options, previous: "before.json" } }, 0)).toContain(
			"  gone from the sample            0",
		);
	});
});

describe("the exit status", () => {
	it("is 1 when a group failed or is in conflict, 0 otherwise (a dry run, or skips only)", ({ expect }) => {
		const status = (...results: Result[]) => exitCode(results.map((result, i) => answer(String(i), result)));
		expect(status()).toBe(0);
		expect(status("created", "unchanged", "replaced", "refused", "group-full", "deleted-here")).toBe(0);
		expect(status("created", "conflict")).toBe(1);
		expect(status("failed", "created")).toBe(1);
	});

	it("is 1 when an export file had a bad or repeated line, whatever was written; other problems leave it 0", ({ expect }) => {
		const problem = (kind: Problem["kind"]): Problem => ({ kind, groupId: "7", detail: "line 2: …" });
		expect(exitCode([answer("1", "created")], [problem("bad-line")])).toBe(1);
		expect(exitCode([], [problem("duplicate-line")])).toBe(1);
		expect(exitCode([answer("1", "revived")], [problem("trimmed-id"), problem("missing-flag")])).toBe(0);
	});
});
