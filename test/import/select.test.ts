import { describe, it } from "vitest";
import type { CleanGroup, Problem, SampleData } from "../../tools/import/clean.ts";
import { goneFromSample, selectGroups } from "../../tools/import/select.ts";

const group = (groupId: string): CleanGroup => ({
	groupId,
	body: { creator: "alice", name: "n", members: ["alice"], doNotDisturb: [], createdAt: 0 },
});
const cleaned = {
	groups: [group("1"), group("2"), group("3")],
	problems: [
		{ kind: "trimmed-id", groupId: "1", detail: '" bob"' },
		{ kind: "invalid-creator", groupId: "4", detail: '"" is empty' },
		{ kind: "invalid-group-id", groupId: "x5", detail: "x5" },
		{ kind: "invalid-member", groupId: "2", detail: "bad" },
	] satisfies Problem[],
};
const sample = (...ids: string[]): SampleData => ({
	groups: ids.map((id) => ({ id, groupName: null, creator: null, userList: null, ctime: null })),
	userGroups: [],
});

describe("which groups a run imports", () => {
	it("without --groups: every clean group; the ones cleaning refused are the skipped", ({ expect }) => {
		const selection = selectGroups(cleaned);
		expect(selection.groups.map((g) => g.groupId)).toEqual(["1", "2", "3"]);
		expect(selection.problems).toEqual(cleaned.problems);
		expect(selection.skippedIds).toEqual(new Set(["4", "x5"]));
	});

	it("with --groups: only those groups, their problems and their skips", ({ expect }) => {
		const selection = selectGroups(cleaned, new Set(["2", "4", "9"]));
		expect(selection.groups.map((g) => g.groupId)).toEqual(["2"]);
		expect(selection.problems.map((p) => p.kind)).toEqual(["invalid-creator", "invalid-member"]);
		expect(selection.skippedIds).toEqual(new Set(["4"]));
	});
});

describe("groups gone from the sample since an earlier run (--previous)", () => {
	it("are those the earlier run imported that the sample no longer has, its ids compared trimmed", ({ expect }) => {
		expect(goneFromSample(["1", "2", "7", "8"], sample("1", " 2 ", "3"))).toEqual(["7", "8"]);
	});

	it("with --groups, only among those groups", ({ expect }) => {
		expect(goneFromSample(["1", "7", "8"], sample("1"), new Set(["1", "8"]))).toEqual(["8"]);
	});
});
