/**
 * The webhook messages: one per committed change of a group (or several parts
 * when it concerns many users), in the Standard Webhooks body shape
 * `{"type":…,"timestamp":…,"data":{…}}`. The same messages make the group's
 * history (`GET /v1/groups/{id}/events`). docs/webhooks.md describes them.
 */

import { iso } from "../shared/time";

/** What a change was, as a message's `type` says it. */
export const EventType = {
	Created: "group.created",
	MembersAdded: "group.members_added",
	MembersRemoved: "group.members_removed",
	DndOn: "group.dnd_on",
	DndOff: "group.dnd_off",
	Deleted: "group.deleted",
	Imported: "group.imported",
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];

/** Where a change came from: a StarRTC callback, the app's API, or an import (`PUT /v1/groups/{id}`). */
export type EventOrigin = "starrtc" | "app" | "import";

/**
 * Users per message: a change that concerns more (a create or a delete of a
 * large group) is sent in parts of this many, in join order. 500 ids of at
 * most 128 bytes keep a message's members under 70 KB, below the 100 KB a
 * default Express body parser takes.
 */
export const USERS_PER_MESSAGE = 500;

/** What a group change tells the app's backend, as the group object hands it over with the change. */
export interface GroupEvent {
	readonly type: EventType;
	readonly origin: EventOrigin;
	/** The user who asked (a callback's requester); null for the app and for an import. */
	readonly actor: string | null;
	/** The users the change concerns, in join order: added, removed, whose DND changed; for a create, an import or a delete, every member. */
	readonly userIds: readonly string[];
	/** For group.created and group.imported: the group as the change left it. */
	readonly whole?: {
		readonly name: string;
		readonly creator: string;
		readonly createdAt: number;
		readonly doNotDisturb: ReadonlySet<string>;
	};
	/** For group.imported: created here, replaced what was here, or restored over a deleted group (`?revive=true`). */
	readonly result?: "created" | "replaced" | "revived";
}

/** The `data` of a message. */
export interface EventData {
	readonly groupId: string;
	/** The group's version right after the change; every part of a change has the same. */
	readonly version: number;
	/** 1-based; a change concerning more than USERS_PER_MESSAGE users comes in `parts` messages. */
	readonly part: number;
	readonly parts: number;
	readonly origin: EventOrigin;
	readonly actor: string | null;
	readonly userIds: readonly string[];
	readonly name?: string;
	readonly creator?: string;
	readonly createdAt?: string;
	/** Of this part's userIds, those with DND on. */
	readonly doNotDisturb?: readonly string[];
	readonly result?: "created" | "replaced" | "revived";
}

/** A message body as it is signed and sent. */
export interface EventMessage {
	readonly type: EventType;
	/** When the change committed (ISO 8601). */
	readonly timestamp: string;
	readonly data: EventData;
}

/** One message ready to store: its place (version, part), when, and its body text. */
export interface EventRecord {
	readonly version: number;
	readonly part: number;
	readonly at: number;
	readonly body: string;
}

/** The messages of one change: one, or one per USERS_PER_MESSAGE users concerned. */
export function messagesOf(groupId: string, version: number, at: number, event: GroupEvent): EventRecord[] {
	const parts = Math.max(1, Math.ceil(event.userIds.length / USERS_PER_MESSAGE));
	const timestamp = iso(at);
	const records: EventRecord[] = [];
	for (let part = 1; part <= parts; part++) {
		const userIds = event.userIds.slice((part - 1) * USERS_PER_MESSAGE, part * USERS_PER_MESSAGE);
		const whole = event.whole;
		const data: EventData = {
			groupId,
			version,
			part,
			parts,
			origin: event.origin,
			actor: event.actor,
			userIds,
			...(whole && {
				name: whole.name,
				creator: whole.creator,
				createdAt: iso(whole.createdAt),
				doNotDisturb: userIds.filter((id) => whole.doNotDisturb.has(id)),
			}),
			...(event.result && { result: event.result }),
		};
		const message: EventMessage = { type: event.type, timestamp, data };
		records.push({ version, part, at, body: JSON.stringify(message) });
	}
	return records;
}
