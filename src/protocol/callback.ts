import { parseGroupId, parseIdList, parseUserId } from "./ids";
import { AccessValidation, GroupAction } from "./actions";
import { ErrorCode, type Failure, fail, ok, type Outcome } from "./errors";
import type { Fields } from "./starrtc-data";

/** A group action, reduced to what the group object needs to know. */
export type GroupCommand =
	| { readonly kind: "create"; readonly requester: string; readonly members: string[]; readonly userDefineData: string }
	| { readonly kind: "sync"; readonly groupId: string }
	| { readonly kind: "delete"; readonly requester: string; readonly groupId: string }
	| {
			readonly kind: "add" | "remove";
			readonly requester: string;
			readonly groupId: string;
			readonly users: string[];
			readonly sync: boolean;
	  }
	| { readonly kind: "doNotDisturb"; readonly requester: string; readonly groupId: string; readonly on: boolean; readonly sync: boolean };

/** A callback's `data`, validated. */
export type Callback =
	| { readonly kind: "group"; readonly command: GroupCommand }
	| { readonly kind: "access"; readonly echostr: string }
	/** Any other action: not ours, so it is answered by the push-mode default, forwarded, or refused. */
	| { readonly kind: "other"; readonly action: string };

/** userDefineData is opaque to us; this bounds what one group stores, in UTF-8 bytes. */
export const MAX_USER_DEFINE_DATA = 64 * 1024;
/** A request body, callback or API: fits a create with MAX_GROUP_MEMBERS ids of 128 ASCII bytes, form-encoded. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;
const utf8 = new TextEncoder();

// Inside this module a refusal is thrown, so each action's fields read as one line apiece;
// parseCallback turns it back into a Failure value at the boundary.
class Refusal {
	constructor(readonly failure: Failure) {}
}
function need<T>(outcome: Outcome<T>): T {
	if (!outcome.ok) throw new Refusal(outcome);
	return outcome.value;
}
function refuse(code: ErrorCode, reason: string): never {
	throw new Refusal(fail(code, reason));
}

/** A scalar field as text: numbers are accepted where the protocol says string. */
function optionalText(fields: Fields, name: string): string | undefined {
	const value = fields[name];
	if (value === undefined || value === null) return undefined;
	if (typeof value === "string") return value;
	if (Number.isFinite(value)) return String(value);
	return refuse(ErrorCode.MalformedArgument, `${name} must be a string`);
}
function text(fields: Fields, name: string): string {
	return optionalText(fields, name) ?? refuse(ErrorCode.MalformedArgument, `${name} is missing`);
}

function requester(fields: Fields): string {
	return need(parseUserId("userId", text(fields, "userId")));
}
function groupId(fields: Fields): string {
	return need(parseGroupId(text(fields, "groupId")));
}
function users(fields: Fields, name: "addUsers" | "removeUsers", maxMembers: number): string[] {
	const ids = need(parseIdList(name, text(fields, name)));
	if (ids.length === 0) refuse(ErrorCode.MalformedArgument, `${name} names nobody`);
	if (ids.length > maxMembers) {
		// More ids than a group may hold can never be added; as a remove list it is simply malformed.
		refuse(
			name === "addUsers" ? ErrorCode.GroupFull : ErrorCode.MalformedArgument,
			`${name} lists ${ids.length} ids; a group holds at most ${maxMembers}`,
		);
	}
	return ids;
}
function userDefineData(fields: Fields): string {
	const value = fields.userDefineData;
	// Opaque to us: a name or JSON. Kept as text; a JSON value sent unquoted is kept as its JSON.
	const stored = value === undefined || value === null ? "" : typeof value === "string" ? value : JSON.stringify(value);
	// Bytes as stored (UTF-8); no text under a third of the limit in characters can be over it.
	if (stored.length > MAX_USER_DEFINE_DATA / 3 && utf8.encode(stored).length > MAX_USER_DEFINE_DATA) {
		refuse(ErrorCode.MalformedArgument, `userDefineData is over ${MAX_USER_DEFINE_DATA} bytes`);
	}
	return stored;
}

function create(fields: Fields, maxMembers: number): GroupCommand {
	const creator = requester(fields);
	const listed = need(parseIdList("addUsers", optionalText(fields, "addUsers") ?? ""));
	// The creator is always a member, and the first one, even when addUsers leaves them out.
	const members = [creator, ...listed.filter((id) => id !== creator)];
	if (members.length > maxMembers) {
		refuse(ErrorCode.GroupFull, `the group would have ${members.length} members; the limit is ${maxMembers}`);
	}
	return { kind: "create", requester: creator, members, userDefineData: userDefineData(fields) };
}

type Reader = (fields: Fields, maxMembers: number) => GroupCommand;

function membership(kind: "add" | "remove", sync: boolean): Reader {
	const list = kind === "add" ? "addUsers" : "removeUsers";
	return (fields, maxMembers) => ({
		kind,
		requester: requester(fields),
		groupId: groupId(fields),
		users: users(fields, list, maxMembers),
		sync,
	});
}
function doNotDisturb(on: boolean, sync: boolean): Reader {
	return (fields) => ({ kind: "doNotDisturb", requester: requester(fields), groupId: groupId(fields), on, sync });
}

const readers: Record<GroupAction, Reader> = {
	[GroupAction.Create]: create,
	[GroupAction.SyncAll]: (fields) => ({ kind: "sync", groupId: groupId(fields) }),
	[GroupAction.Delete]: (fields) => ({ kind: "delete", requester: requester(fields), groupId: groupId(fields) }),
	[GroupAction.AddUser]: membership("add", false),
	[GroupAction.AddUserAndSyncAll]: membership("add", true),
	[GroupAction.RemoveUser]: membership("remove", false),
	[GroupAction.RemoveUserAndSyncAll]: membership("remove", true),
	[GroupAction.SetPushIgnore]: doNotDisturb(true, false),
	[GroupAction.SetPushIgnoreAndSyncAll]: doNotDisturb(true, true),
	[GroupAction.UnsetPushIgnore]: doNotDisturb(false, false),
	[GroupAction.UnsetPushIgnoreAndSyncAll]: doNotDisturb(false, true),
};

function isGroupAction(action: string): action is GroupAction {
	return Object.hasOwn(readers, action);
}

export function parseCallback(fields: Fields, maxMembers: number): Outcome<Callback> {
	try {
		const action = text(fields, "action");
		if (isGroupAction(action)) return ok({ kind: "group", command: readers[action](fields, maxMembers) });
		if (action === AccessValidation) return ok({ kind: "access", echostr: text(fields, "echostr") });
		return ok({ kind: "other", action });
	} catch (error) {
		if (error instanceof Refusal) return error.failure;
		throw error;
	}
}
