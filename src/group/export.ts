import { deletedSummary, type GroupSummary } from "../registry/summary";
import { iso } from "../shared/time";
import type { Group } from "./group";
import type { GroupStorage } from "./storage";
import type { GroupExport } from "./types";

/**
 * The group as one line of an export file: its info from memory and every member
 * (join order, DND, join time) from one read of its table, with no await in
 * between, so it is one consistent snapshot of one version.
 */
export function exportOf(group: Group, storage: GroupStorage): GroupExport {
	const { groupId, name, creator, createdAt, version } = group;
	const members = storage.members().map((m) => ({ ...m, joinedAt: m.joinedAt === null ? null : iso(m.joinedAt) }));
	return { groupId, name, creator, createdAt: iso(createdAt), version, members };
}

/** What the group registry is told of the group now: its summary, or its tombstone's version once deleted. */
export function summaryOf(groupId: string, group: Group | null, storage: GroupStorage): GroupSummary {
	if (!group) return deletedSummary(groupId, storage.version());
	const { name, creator, createdAt, version } = group;
	return { groupId, name, creator, createdAt, memberCount: group.members.size, version, deleted: false };
}
