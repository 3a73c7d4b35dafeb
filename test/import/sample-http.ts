/**
 * The sample's answers (SYNC_ALL of every group, list.php of every user) and the
 * comparison with ours, modulo the differences docs/migration.md documents ("What is cleaned").
 */
import { type CleanGroup, type Problem, type SampleData, userIdProblem } from "../../tools/import/clean.ts";

export interface SampleAnswers {
	/** groupId -> the raw body of the sample's AEC_GROUP_SYNC_ALL. */
	readonly syncAll: Record<string, string>;
	/** userId -> the raw body of the sample's group/list.php?userId=. */
	readonly list: Record<string, string>;
}

/** Every user the data names, as the sample stores them (untrimmed), except the empty id. */
export function usersOf(data: SampleData): string[] {
	const users = new Set<string>();
	for (const row of data.userGroups) users.add(row.userId);
	for (const row of data.groups) {
		if (row.creator) users.add(row.creator);
		for (const entry of (row.userList ?? "").split(",")) {
			const cut = entry.lastIndexOf("_");
			users.add(cut < 0 ? entry : entry.slice(0, cut));
		}
	}
	users.delete("");
	return [...users].sort();
}

export async function sampleAnswers(base: string, data: SampleData): Promise<SampleAnswers> {
	const syncAll: Record<string, string> = {};
	for (const row of data.groups) {
		const body = `data=${encodeURIComponent(JSON.stringify({ action: "AEC_GROUP_SYNC_ALL", groupId: row.id }))}`;
		syncAll[row.id] = await (
			await fetch(`${base}/eventCenter.php`, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body })
		).text();
	}
	const list: Record<string, string> = {};
	for (const user of usersOf(data)) list[user] = await (await fetch(`${base}/group/list.php?userId=${encodeURIComponent(user)}`)).text();
	return { syncAll, list };
}

export interface Roster {
	readonly members: string[];
	readonly ignoring: string[];
}

/** A SYNC_ALL answer's lists, or undefined when it is not one (the sample's PHP errors come as HTML). */
export function rosterOf(body: string): Roster | undefined {
	try {
		const answer = JSON.parse(body) as { status: string; data: { groupList?: string; ignoreList?: string } | [] };
		if (answer.status !== "1") return undefined;
		const data = Array.isArray(answer.data) ? {} : answer.data;
		const split = (text: string | undefined) => (text ? text.split(",") : []);
		return { members: split(data.groupList), ignoring: split(data.ignoreList) };
	} catch {
		return undefined;
	}
}

const sorted = (ids: Iterable<string>) => [...new Set(ids)].sort();

/**
 * What our SYNC_ALL should hold, from the sample's: ids trimmed, empty and
 * refused ids dropped, repeats merged, the creator added. Sets, sorted: the
 * order differs by design (ours: creator first, then join order; the sample's:
 * newest first).
 */
export function expectedRoster(sample: Roster, creator: string): Roster {
	const keep = (ids: string[]) => ids.map((id) => id.trim()).filter((id) => userIdProblem(id) === undefined);
	const members = sorted([creator, ...keep(sample.members)]);
	return { members, ignoring: sorted(keep(sample.ignoring)).filter((id) => members.includes(id)) };
}

export interface ListItem {
	readonly groupName: string;
	readonly creator: string;
	readonly groupId: string;
}

/** A list.php answer's items, or undefined when it is not one (an error, or invalid JSON). */
export function listOf(body: string): ListItem[] | undefined {
	try {
		const answer = JSON.parse(body) as { status: number; data: ListItem[] };
		return answer.status === 1 && Array.isArray(answer.data) ? answer.data : undefined;
	} catch {
		return undefined;
	}
}

/**
 * What our list.php should answer a user, from the sample's: each group once,
 * minus the groups userGroup lists for a non-member, plus those it misses (the
 * import reads membership from `groups`). Sorted by group id: our order is the
 * order of the import, not userGroup's.
 */
export function expectedList(sample: ListItem[], user: string, problems: readonly Problem[], groups: readonly CleanGroup[]): ListItem[] {
	const who = `user ${JSON.stringify(user)}`;
	const touched = (kind: Problem["kind"]) =>
		new Set(problems.filter((p) => p.kind === kind && (p.detail === who || p.detail === user)).map((p) => p.groupId));
	const indexOnly = touched("index-only");
	const missing = new Set([...touched("not-in-index"), ...touched("creator-added")]);
	const byId = new Map<string, ListItem>();
	for (const item of sample) if (!indexOnly.has(item.groupId)) byId.set(item.groupId, item);
	for (const group of groups) {
		if (missing.has(group.groupId))
			byId.set(group.groupId, { groupName: group.body.name, creator: group.body.creator, groupId: group.groupId });
	}
	return [...byId.values()].sort((a, b) => Number(a.groupId) - Number(b.groupId));
}
