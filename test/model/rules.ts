import type { Role } from "../../src/config";
import { STARRTC_ENTRY } from "../error-entries";

/**
 * The rules of docs/protocol.md (sections "Policy", "Answers" and "Error codes"),
 * written down in the order that page states them, as a reader would apply them. No
 * code of src/ is imported or copied: only the `Role` type.
 */
export interface Policy {
	readonly add: Role;
	readonly remove: Role;
	readonly delete: Role;
	readonly maxMembers: number;
}

export type Refusal = keyof typeof STARRTC_ENTRY;

/** What the service must answer: the exact body, and our own code (X-AEC-Error), null on success. */
export interface Expected {
	readonly body: string;
	readonly code: Refusal | null;
}

export const refused = (code: Refusal): Expected => ({ body: `{"status":"0","data":"${STARRTC_ENTRY[code]}"}`, code });
const done: Expected = { body: '{"status":"1"}', code: null };

/** A group as docs/protocol.md describes it: members in join order, and who has DND on. */
export class ModelGroup {
	members: string[];
	readonly doNotDisturb = new Set<string>();
	deleted = false;
	/** Known only for an imported group (its createdAt); a group made here has the server's clock time. */
	createdAt?: number;

	constructor(
		readonly id: string,
		readonly creator: string,
		members: string[],
		readonly name = "",
	) {
		this.members = members;
	}

	/** SYNC_ALL: groupList in join order; ignoreList (also in join order) only when someone has DND on. */
	roster(): Expected {
		const ignoring = this.members.filter((m) => this.doNotDisturb.has(m));
		const ignoreList = ignoring.length ? `,"ignoreList":"${ignoring.join(",")}"` : "";
		return { body: `{"status":"1","data":{"groupList":"${this.members.join(",")}"${ignoreList}}}`, code: null };
	}
}

/** "Ids are trimmed, empty entries dropped, repeats merged." */
export const idList = (text: string): string[] => [
	...new Set(
		text
			.split(",")
			.map((id) => id.trim())
			.filter((id) => id !== ""),
	),
];

/** "A permission is creator, member or anyone." */
function mayAct(role: Role, group: ModelGroup, requester: string): Refusal | null {
	switch (role) {
		case "anyone":
			return null;
		case "member":
			return group.members.includes(requester) ? null : "NOT_A_MEMBER";
		case "creator":
			return requester === group.creator ? null : "PERMISSION_DENIED";
	}
}

export type Change =
	| { readonly kind: "add" | "remove"; readonly requester: string; readonly list: string; readonly sync: boolean }
	| { readonly kind: "doNotDisturb"; readonly requester: string; readonly on: boolean; readonly sync: boolean }
	| { readonly kind: "delete"; readonly requester: string }
	| { readonly kind: "sync" };

/**
 * One callback on an existing group id (or one never made: `group` undefined).
 * When two reasons to refuse apply, docs/protocol.md's order decides (Policy, "When
 * more than one rule refuses"): the callback itself, then the group, then what
 * nobody may do, then who asks, then what the change would lead to.
 */
export function decide(policy: Policy, group: ModelGroup | undefined, change: Change): Expected {
	// 1. The callback itself: a list naming nobody is malformed; one longer than a group may hold
	//    can never be added (GROUP_FULL) and as a remove list is malformed.
	if (change.kind === "add" || change.kind === "remove") {
		const named = idList(change.list);
		if (named.length === 0) return refused("MALFORMED_ARGUMENT");
		if (named.length > policy.maxMembers) return refused(change.kind === "add" ? "GROUP_FULL" : "MALFORMED_ARGUMENT");
	}
	// 2. The group: never created, or deleted ("a group never comes back").
	if (!group || group.deleted) return refused("UNKNOWN_GROUP");
	const answer = (sync: boolean) => (sync ? group.roster() : done);

	switch (change.kind) {
		case "sync":
			return group.roster();

		case "add": {
			const named = idList(change.list);
			const denied = mayAct(policy.add, group, change.requester);
			if (denied) return refused(denied);
			// "Adding someone who is already a member changes nothing and succeeds."
			const joining = named.filter((id) => !group.members.includes(id));
			if (group.members.length + joining.length > policy.maxMembers) return refused("GROUP_FULL");
			group.members.push(...joining);
			return answer(change.sync);
		}

		case "remove": {
			const named = idList(change.list);
			// "Nobody removes the creator", whoever asks.
			if (named.includes(group.creator)) return refused("REMOVE_CREATOR");
			// "Anyone may remove themselves; removing others needs" REMOVE_PERMISSION.
			if (named.some((id) => id !== change.requester)) {
				const denied = mayAct(policy.remove, group, change.requester);
				if (denied) return refused(denied);
			}
			// "Removing a non-member changes nothing and succeeds."
			group.members = group.members.filter((m) => !named.includes(m));
			for (const id of named) group.doNotDisturb.delete(id);
			return answer(change.sync);
		}

		case "doNotDisturb":
			// "The requester's own setting; they must be a member. Repeating it changes nothing."
			if (!group.members.includes(change.requester)) return refused("NOT_A_MEMBER");
			if (change.on) group.doNotDisturb.add(change.requester);
			else group.doNotDisturb.delete(change.requester);
			return answer(change.sync);

		case "delete": {
			const denied = mayAct(policy.delete, group, change.requester);
			if (denied) return refused(denied);
			group.deleted = true;
			return done;
		}
	}
}

// ---- The app's own changes (docs/api.md "Changing groups from the app's backend") ----

/** What an admin route must answer: its HTTP status and error code (null on success). */
export interface AppExpected {
	readonly status: number;
	readonly code: string | null;
}

export type AppChange =
	| { readonly kind: "appAdd" | "appRemove"; readonly users: string[] }
	| { readonly kind: "appRemoveOne"; readonly user: string }
	| { readonly kind: "appDnd"; readonly user: string; readonly on: boolean }
	| { readonly kind: "appDelete" };

const appOk: AppExpected = { status: 200, code: null };

/**
 * "The app is the authority": no permission rules; the id rules, the member
 * limit, "never remove the creator", all or nothing and "no revival after
 * delete" apply. Changing nothing (an add of a member, a remove of a
 * non-member, DND as it is) succeeds.
 */
export function decideApp(policy: Policy, group: ModelGroup | undefined, change: AppChange): AppExpected {
	if (!group || group.deleted) return { status: 404, code: "UNKNOWN_GROUP" };
	switch (change.kind) {
		case "appAdd": {
			const joining = change.users.filter((id) => !group.members.includes(id));
			if (group.members.length + joining.length > policy.maxMembers) return { status: 409, code: "GROUP_FULL" };
			group.members.push(...joining);
			return appOk;
		}
		case "appRemove":
		case "appRemoveOne": {
			const users = change.kind === "appRemoveOne" ? [change.user] : change.users;
			if (users.includes(group.creator)) return { status: 409, code: "REMOVE_CREATOR" };
			group.members = group.members.filter((m) => !users.includes(m));
			for (const id of users) group.doNotDisturb.delete(id);
			return appOk;
		}
		case "appDnd":
			if (!group.members.includes(change.user)) return { status: 404, code: "NO_SUCH_MEMBER" };
			if (change.on) group.doNotDisturb.add(change.user);
			else group.doNotDisturb.delete(change.user);
			return appOk;
		case "appDelete":
			group.deleted = true;
			return appOk;
	}
}

// ---- Imports (docs/api.md "Importing a group") ----

/** A group as another AEC server holds it, as PUT /v1/groups/{id} takes it. */
export interface ImportedContent {
	readonly creator: string;
	readonly members: readonly string[];
	readonly doNotDisturb: readonly string[];
	readonly name: string;
	readonly createdAt: number;
}

/** What an import must answer (status, and `result` or the error code), and the group it leaves. */
export interface ImportExpected {
	readonly status: number;
	readonly outcome: "created" | "unchanged" | "replaced" | "GROUP_EXISTS" | "GROUP_DELETED";
	/** The group as the import left it (a new object when created or replaced). */
	readonly group: ModelGroup | undefined;
}

/**
 * "The creator is put first"; "new here: 201 created; here with the same
 * content: 200 unchanged (nothing written); here with other content: 409
 * GROUP_EXISTS, with ?overwrite=true 200 replaced; deleted here: 410
 * GROUP_DELETED (never comes back)". Content: name, creation time, members in
 * order, DND.
 */
export function decideImport(id: string, existing: ModelGroup | undefined, content: ImportedContent, overwrite: boolean): ImportExpected {
	if (existing?.deleted) return { status: 410, outcome: "GROUP_DELETED", group: existing };
	const members = [content.creator, ...content.members.filter((m) => m !== content.creator)];
	const group = new ModelGroup(id, content.creator, members, content.name);
	group.createdAt = content.createdAt;
	for (const m of content.doNotDisturb) group.doNotDisturb.add(m);
	if (!existing) return { status: 201, outcome: "created", group };
	const same =
		existing.createdAt === group.createdAt &&
		existing.name === group.name &&
		existing.members.join("\n") === group.members.join("\n") &&
		[...existing.doNotDisturb].sort().join("\n") === [...group.doNotDisturb].sort().join("\n");
	if (same) return { status: 200, outcome: "unchanged", group: existing };
	if (!overwrite) return { status: 409, outcome: "GROUP_EXISTS", group: existing };
	return { status: 200, outcome: "replaced", group };
}
