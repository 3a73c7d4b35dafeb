import { describe, it } from "vitest";
import type { CleanGroup } from "../../tools/import/clean.ts";
import { progressLine, readLine } from "../../tools/import/progress.ts";

describe("the lines printed while importing", () => {
	it("after reading: rows read, time, and how many groups will be imported and skipped", ({ expect }) => {
		const groups = [{ groupId: "1" }, { groupId: "2" }] as CleanGroup[];
		expect(readLine({ groups: 3, userGroups: 40 }, { groups, problems: [], skippedIds: new Set(["9"]) }, 1_240)).toBe(
			"read 3 groups and 40 userGroup rows in 1.2 s; 2 to import, 1 skipped",
		);
	});

	it("while writing: done/total, rates, and the time left at the rate so far", ({ expect }) => {
		expect(progressLine({ done: 50, total: 200, membersDone: 500, failed: 1, seconds: 10 })).toBe(
			"groups 50/200 (25.0%)  5 groups/s  50 members/s  ETA 0:30  failed 1",
		);
		expect(progressLine({ done: 1, total: 601, membersDone: 3, failed: 0, seconds: 1 })).toContain("ETA 10:00");
	});

	it("before the first answer: no rate yet, so no ETA, and no division by zero", ({ expect }) => {
		expect(progressLine({ done: 0, total: 0, membersDone: 0, failed: 0, seconds: 0 })).toBe(
			"groups 0/0 (0.0%)  0 groups/s  0 members/s  ETA 0:00  failed 0",
		);
	});
});
