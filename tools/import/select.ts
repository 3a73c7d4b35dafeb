/** Which of the cleaned groups a run writes (`--groups`), and which earlier imports the sample has lost. */
import type { GroupToWrite, Problem, SampleData } from "./clean.ts";

export interface Selection {
	readonly groups: GroupToWrite[];
	readonly problems: Problem[];
	/** Groups cleaning refused to guess at: never written, counted as skipped. */
	readonly skippedIds: ReadonlySet<string>;
}

/** The problems that keep a group (or an export file's line) from being written at all. */
export const SKIPPING: ReadonlySet<string> = new Set(["invalid-creator", "invalid-group-id", "bad-line", "duplicate-line"]);

export function selectGroups(
	cleaned: { readonly groups: GroupToWrite[]; readonly problems: Problem[] },
	only?: ReadonlySet<string>,
): Selection {
	const groups = only ? cleaned.groups.filter((g) => only.has(g.groupId)) : cleaned.groups;
	const problems = only ? cleaned.problems.filter((p) => only.has(p.groupId)) : cleaned.problems;
	const skippedIds = new Set(problems.filter((p) => SKIPPING.has(p.kind)).map((p) => p.groupId));
	return { groups, problems, skippedIds };
}

/** Groups an earlier run imported that the sample no longer has (deleted there since): listed, never deleted here. */
export function goneFromSample(imported: readonly string[], data: SampleData, only?: ReadonlySet<string>): string[] {
	const now = new Set(data.groups.map((row) => row.id.trim()));
	return imported.filter((id) => !now.has(id) && (!only || only.has(id)));
}
