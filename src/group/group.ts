import type { Role } from "../config";
import { ErrorCode, type Failure, fail } from "../protocol/errors";
import type { Page } from "../user-index/membership";
import { Answer } from "../protocol/answer";
import type { GroupView } from "../starrtc/calls";
import type { GroupInit, ImportedGroup, Member } from "./types";

/** The group as its object knows it; loaded once, then kept in step with every write. */
export interface Group {
	readonly groupId: string;
	readonly creator: string;
	readonly name: string;
	readonly createdAt: number;
	readonly createKey: string;
	version: number;
	/** userId → join number. A Map iterates in insertion order, which is join order. */
	readonly members: Map<string, number>;
	readonly doNotDisturb: Set<string>;
	nextJoin: number;
	/** The SYNC_ALL lists and answer, built on demand and kept until a change makes them stale. */
	groupList?: string;
	ignoreList?: string;
	roster?: Answer;
	/** Members in join order, for paging; rebuilt after a change. */
	ordered?: [string, number][];
}

/** A new group as a create makes it: the members in the order given, none with DND. */
export function newGroup(init: GroupInit, createdAt: number): Group {
	return {
		groupId: init.groupId,
		creator: init.creator,
		name: init.userDefineData,
		createdAt,
		createKey: init.createKey,
		version: 0,
		members: new Map(init.members.map((id, joined) => [id, joined])),
		doNotDisturb: new Set(),
		nextJoin: init.members.length,
	};
}

/** Whether `requester` may do what needs `role`: anyone, a member, or the creator. */
export function permit(group: Group, requester: string, role: Role): Failure | undefined {
	if (role === "anyone") return undefined;
	if (role === "creator" && requester !== group.creator) return fail(ErrorCode.PermissionDenied, "only the group's creator may do this");
	if (!group.members.has(requester)) return fail(ErrorCode.NotAMember, "the requester is not a member");
	return undefined;
}

// After a commit, memory follows storage; each keeps what caches it can.

export function join(group: Group, joining: readonly string[]): void {
	for (const id of joining) group.members.set(id, group.nextJoin++);
	// Joiners go last, so a cached list only grows at its end.
	if (group.groupList !== undefined) group.groupList += `,${joining.join(",")}`;
	group.roster = undefined;
	group.ordered = undefined;
}

export function leave(group: Group, leaving: readonly string[]): void {
	for (const id of leaving) {
		group.members.delete(id);
		if (group.doNotDisturb.delete(id)) group.ignoreList = undefined;
	}
	group.groupList = undefined;
	group.roster = undefined;
	group.ordered = undefined;
}

export function setDoNotDisturb(group: Group, userId: string, on: boolean): void {
	if (on) group.doNotDisturb.add(userId);
	else group.doNotDisturb.delete(userId);
	group.ignoreList = undefined;
	group.roster = undefined;
}

/** The members and those with DND on, comma-separated in join order; kept until a change drops them. */
export function lists(group: Group): { groupList: string; ignoreList: string } {
	group.groupList ??= [...group.members.keys()].join(",");
	// Few members have DND on; order them by when they joined, as groupList is.
	group.ignoreList ??= [...group.doNotDisturb].sort((a, b) => (group.members.get(a) ?? 0) - (group.members.get(b) ?? 0)).join(",");
	return { groupList: group.groupList, ignoreList: group.ignoreList };
}

/**
 * The SYNC_ALL answer. It is kept whole between changes: a large group's
 * answer is then built once, not on every sync (about a third of the cost
 * of a 20,000-member SYNC_ALL).
 */
export function roster(group: Group): Answer {
	group.roster ??= Answer.roster(lists(group));
	return group.roster;
}

/** The group as StarRTC's proxy calls are worked out from it. */
export function starRtcView(group: Group): GroupView {
	return { groupId: group.groupId, members: group.members, doNotDisturb: group.doNotDisturb, ...lists(group) };
}

/**
 * Members in join order, `limit` at a time after the cursor `after` (a join number);
 * their join times are read from storage for the page's members only (`joinTimes`).
 */
export function memberPage(
	group: Group,
	limit: number,
	after: number,
	joinTimes: (users: readonly string[]) => ReadonlyMap<string, number | null> = () => new Map(),
): Page<Member> {
	group.ordered ??= [...group.members];
	const ordered = group.ordered;
	// Binary search for the first member who joined after `after`.
	let low = 0;
	let high = ordered.length;
	while (low < high) {
		const mid = (low + high) >>> 1;
		if ((ordered[mid]?.[1] ?? 0) <= after) low = mid + 1;
		else high = mid;
	}
	const slice = ordered.slice(low, low + limit);
	const times = joinTimes(slice.map(([userId]) => userId));
	const items = slice.map(([userId]) => ({
		userId,
		doNotDisturb: group.doNotDisturb.has(userId),
		joinedAt: times.get(userId) ?? null,
	}));
	const last = slice.at(-1);
	return low + limit < ordered.length && last ? { items, next: String(last[1]) } : { items };
}

/** An imported group as it would be stored: the creator first, DND only for members. */
export function fromImport(imported: ImportedGroup, existing: Group | null): Group {
	const ids = [imported.creator, ...imported.members.filter((id) => id !== imported.creator)];
	const members = new Map(ids.map((id, joined) => [id, joined]));
	return {
		groupId: imported.groupId,
		creator: imported.creator,
		name: imported.name,
		createdAt: imported.createdAt,
		createKey: existing?.createKey ?? `import:${imported.groupId}`,
		version: existing?.version ?? 0,
		members,
		// Looked up in the map: a 20,000-member import would scan the list once per DND id.
		doNotDisturb: new Set(imported.doNotDisturb.filter((id) => members.has(id))),
		nextJoin: ids.length,
	};
}

/** Whether every given join time is the one stored (an import's "unchanged" with an export line). */
export function sameJoinTimes(stored: ReadonlyMap<string, number | null>, given: ReadonlyMap<string, number | null>): boolean {
	for (const [userId, at] of given) if (stored.get(userId) !== at) return false;
	return true;
}

/** Whether two groups hold the same content: name, creation time, members in order, DND. */
export function sameContent(a: Group, b: Group): boolean {
	// The creator is the first of the members, so comparing the members compares it too.
	return (
		a.name === b.name &&
		a.createdAt === b.createdAt &&
		[...a.members.keys()].join("\n") === [...b.members.keys()].join("\n") &&
		a.doNotDisturb.size === b.doNotDisturb.size &&
		[...b.doNotDisturb].every((id) => a.doNotDisturb.has(id))
	);
}
