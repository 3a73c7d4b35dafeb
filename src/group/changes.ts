import { EventType, type GroupEvent } from "../events/messages";
import { ErrorCode, fail, ok, type Outcome } from "../protocol/errors";
import type { StarRtcNews } from "../starrtc/calls";
import { Membership, type MemberState } from "../user-index/membership";
import { type Group, join, leave, setDoNotDisturb } from "./group";
import type { GroupStorage, JoinTime } from "./storage";
import type { ImportedGroup, Origin } from "./types";

/**
 * A change as the group object commits it, worked out before anything is
 * written: its rows, the users whose membership it changes (for the user
 * index), its message (for the webhook and the history), what StarRTC must be
 * told, and how memory follows once it is committed.
 */
export interface Change {
	/** The whole group, written over whatever was stored (a create, an import). */
	readonly store?: Group;
	/** With `store`: each member's join time, given the commit time (by default the group's creation time). */
	readonly joinedAt?: (userId: string, at: number) => JoinTime;
	/** Or the rows it changes; `at` is the commit time (ms). */
	readonly write?: (storage: GroupStorage, at: number) => void;
	readonly users: readonly MemberState[];
	readonly event: GroupEvent;
	/** Only for the app's changes: StarRTC made the others itself. */
	readonly news?: StarRtcNews;
	/** The group is gone after it. */
	readonly deleted?: boolean;
	/** Memory after the commit, in step with storage. */
	readonly apply?: (group: Group) => void;
}

/** Who is in, as a change that writes the whole group tells the user index. */
const everyone = (group: Group): MemberState[] =>
	[...group.members.keys()].map((id) => [id, group.doNotDisturb.has(id) ? Membership.InWithDnd : Membership.In]);

/** The whole group, for the messages that carry it (group.created, group.imported). */
const whole = (group: Group) => ({
	name: group.name,
	creator: group.creator,
	createdAt: group.createdAt,
	doNotDisturb: group.doNotDisturb,
});

/** Who asked, as a message names them: a callback's requester; nobody for the app. */
const actorOf = (origin: Origin, requester: string): string | null => (origin === "starrtc" ? requester : null);

/** A change's news for StarRTC: only the app's changes. */
const told = (origin: Origin, news: StarRtcNews): StarRtcNews | undefined => (origin === "app" ? news : undefined);

export function creation(group: Group, origin: Origin): Change {
	const event: GroupEvent = {
		type: EventType.Created,
		origin,
		actor: actorOf(origin, group.creator),
		userIds: [...group.members.keys()],
		whole: whole(group),
	};
	return { store: group, users: everyone(group), event, news: told(origin, { op: "create" }) };
}

/** Who is not a member yet joins, within `limit`; undefined when all are in already. */
export function addition(
	group: Group,
	users: readonly string[],
	limit: number,
	origin: Origin,
	requester: string,
): Outcome<Change | undefined> {
	const joining = users.filter((id) => !group.members.has(id));
	if (group.members.size + joining.length > limit) {
		return fail(ErrorCode.GroupFull, `${group.members.size} + ${joining.length} members is over the limit ${limit}`);
	}
	if (!joining.length) return ok(undefined);
	const firstJoin = group.nextJoin;
	return ok({
		write: (storage, at) => storage.addMembers(joining, firstJoin, at),
		users: joining.map((id) => [id, Membership.In] as const),
		event: { type: EventType.MembersAdded, origin, actor: actorOf(origin, requester), userIds: joining },
		news: told(origin, { op: "members", users: joining }),
		apply: (g) => join(g, joining),
	});
}

/** Who is a member leaves; undefined when none is. The caller has kept the creator out. */
export function removal(group: Group, users: readonly string[], origin: Origin, requester: string): Change | undefined {
	const leaving = users.filter((id) => group.members.has(id));
	if (!leaving.length) return undefined;
	return {
		write: (storage) => storage.removeMembers(leaving),
		users: leaving.map((id) => [id, Membership.Out] as const),
		event: { type: EventType.MembersRemoved, origin, actor: actorOf(origin, requester), userIds: leaving },
		news: told(origin, { op: "members", users: leaving }),
		apply: (g) => leave(g, leaving),
	};
}

/** A member's DND set or cleared; undefined when it already is so. */
export function dndChange(group: Group, userId: string, on: boolean, origin: Origin, requester: string): Change | undefined {
	if (group.doNotDisturb.has(userId) === on) return undefined;
	return {
		write: (storage) => storage.setDoNotDisturb(userId, on),
		users: [[userId, on ? Membership.InWithDnd : Membership.In]],
		event: { type: on ? EventType.DndOn : EventType.DndOff, origin, actor: actorOf(origin, requester), userIds: [userId] },
		news: told(origin, { op: "dnd", users: [userId] }),
		apply: (g) => setDoNotDisturb(g, userId, on),
	};
}

export function deletion(group: Group, origin: Origin, requester: string): Change {
	const members = [...group.members.keys()];
	return {
		write: (storage) => storage.erase(),
		users: members.map((id) => [id, Membership.Out] as const),
		event: { type: EventType.Deleted, origin, actor: actorOf(origin, requester), userIds: members },
		news: told(origin, { op: "delete" }),
		deleted: true,
	};
}

/**
 * An import over `existing` (or none, or a deleted group's tombstone when `revived`): whoever it leaves
 * out is told they are out. StarRTC already holds it. Members join at the time the import gives them
 * (null: unknown), or else at the commit time.
 */
export function importation(group: Group, existing: Group | null, imported: ImportedGroup, revived = false): Change {
	const leaving = existing ? [...existing.members.keys()].filter((id) => !group.members.has(id)) : [];
	const event: GroupEvent = {
		type: EventType.Imported,
		origin: "import",
		actor: null,
		userIds: [...group.members.keys()],
		whole: whole(group),
		result: revived ? "revived" : existing ? "replaced" : "created",
	};
	const given = imported.joinedAt;
	return {
		store: group,
		joinedAt: (id, at) => (given?.has(id) ? (given.get(id) ?? null) : at),
		users: [...everyone(group), ...leaving.map((id) => [id, Membership.Out] as const)],
		event,
	};
}

/** A group made before the user index existed tells it (and the app's backend) everything once; nothing is written. */
export function catchUp(group: Group): Change {
	const event: GroupEvent = {
		type: EventType.Created,
		origin: "starrtc",
		actor: null,
		userIds: [...group.members.keys()],
		whole: whole(group),
	};
	return { users: everyone(group), event };
}
