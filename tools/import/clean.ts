import type { ExportLine } from "../export/lines.ts";

/**
 * From the StarRTC sample's rows to what `PUT /v1/groups/{id}` takes, by the
 * rules our callbacks use. Every change made to the data is recorded as a
 * problem of one kind, with the group it touched: nothing is dropped silently.
 */

/** A row of the sample's `groups` table, as read (every value text or null). */
export interface GroupRow {
	readonly id: string;
	readonly groupName: string | null;
	readonly creator: string | null;
	readonly userList: string | null;
	readonly ctime: string | null;
}

/** A row of the sample's `userGroup` table: one user's `groupId_flag,…` list. */
export interface UserGroupRow {
	readonly userId: string;
	readonly groupList: string | null;
}

export interface SampleData {
	readonly groups: GroupRow[];
	readonly userGroups: UserGroupRow[];
}

/** The body of `PUT /v1/groups/{groupId}`. */
export interface ImportBody {
	readonly creator: string;
	readonly name: string;
	readonly members: string[];
	readonly doNotDisturb: string[];
	readonly createdAt: number;
}

export interface CleanGroup {
	readonly groupId: string;
	readonly body: ImportBody;
}

/** What a run writes: a group from the sample, cleaned, or an export file's line, as it is. */
export interface GroupToWrite {
	readonly groupId: string;
	readonly body: ImportBody | ExportLine;
}

/** How many members of a group to write have DND on. */
export const dndCount = (body: GroupToWrite["body"]): number =>
	"doNotDisturb" in body ? body.doNotDisturb.length : body.members.filter((m) => m.doNotDisturb).length;

export const ProblemKinds = {
	"empty-id": "an empty member entry (an add with an empty user id, or a stray comma): dropped",
	"trimmed-id": "an id with surrounding whitespace: trimmed, as callbacks do",
	"duplicate-member": "a member listed more than once: merged into the first place (DND if any entry had it)",
	"creator-added": "the creator was not in userList: added, first",
	"creator-moved-first": "the creator was in userList but not first: moved first",
	"invalid-member": "a member id the server refuses: dropped",
	"invalid-creator": "a creator id the server refuses: the group is skipped",
	"invalid-group-id": "a group id that is not a decimal id: the group is skipped",
	"underscore-id": "an id holding '_': imported whole; the sample itself reads it cut at its first '_'",
	"missing-flag": "a member entry without '_flag': imported without DND",
	"bad-flag": "a member entry whose flag is not a number: imported without DND",
	"numeric-looking-id": "an id that looks like a number: kept as text, exactly",
	"no-created-time": "ctime is empty or zero: createdAt is set to 0 (1970)",
	"index-only": "userGroup lists the group for a user who is not in its userList: the sample's list.php showed it, ours will not",
	"not-in-index": "a member whose userGroup row does not list the group: the sample's list.php did not show it, ours will",
	"index-dnd-differs": "userGroup's DND flag for a member differs from the group's: the group's is imported",
	"index-duplicate": "userGroup lists the group twice for a user: the sample's list.php showed it twice, ours once",
	"index-unknown-group": "userGroup names a group that does not exist: the sample's list.php failed for that user",
	"refused-by-server": "the server answered 400 for the group: skipped (the answer is in the report)",
	"group-full": "more members than the server's MAX_GROUP_MEMBERS: skipped",
	"bad-line": "a line of the export file that is not a group (cut short, edited): nothing sent for it; the run goes on and exits 1",
	"duplicate-line": "a group on a second line of the export file: the first line is imported, this one is not",
} as const;
export type ProblemKind = keyof typeof ProblemKinds;

export interface Problem {
	readonly kind: ProblemKind;
	readonly groupId: string;
	readonly detail: string;
}

const utf8 = new TextEncoder();
const MAX_USER_ID_BYTES = 128;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const GROUP_ID = /^[1-9][0-9]{0,15}$/;
const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * Why the server would refuse this (trimmed) user id, or undefined. A copy of
 * `parseUserId` in src/protocol/ids.ts (a test keeps them in step), plus `"` and
 * `\`, which StarRTC cannot carry in a list (protocol.md).
 */
export function userIdProblem(id: string): string | undefined {
	if (id === "") return "is empty";
	if (id.includes(",")) return "holds a comma";
	if (CONTROL.test(id)) return "holds a control character";
	if (!id.isWellFormed()) return "holds an unpaired surrogate";
	if (utf8.encode(id).length > MAX_USER_ID_BYTES) return `is longer than ${MAX_USER_ID_BYTES} bytes`;
	if (id.includes('"') || id.includes("\\")) return "holds a quote or a backslash, which StarRTC cannot carry";
	return undefined;
}

/** Parses one `user_flag` entry: the flag is after the last '_' (the sample appends `_0` to whatever id it got). */
function splitEntry(entry: string): { id: string; flag: number | undefined; flagText: string | undefined } {
	const cut = entry.lastIndexOf("_");
	if (cut < 0) return { id: entry, flag: undefined, flagText: undefined };
	const flagText = entry.slice(cut + 1).trim();
	return { id: entry.slice(0, cut), flag: /^\d+$/.test(flagText) ? Number(flagText) : undefined, flagText };
}

/** Local wall time "YYYY-MM-DD HH:MM:SS" in an IANA zone, as ms since 1970. */
export function zonedTime(text: string, timeZone: string): number | undefined {
	const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(text.trim());
	if (!m || m[1] === "0000") return undefined;
	const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
	const wall = Date.UTC(y, mo - 1, d, h, mi, s);
	const format = new Intl.DateTimeFormat("en-US", {
		timeZone,
		hourCycle: "h23",
		year: "numeric",
		month: "numeric",
		day: "numeric",
		hour: "numeric",
		minute: "numeric",
		second: "numeric",
	});
	const offset = (ms: number) => {
		const p = Object.fromEntries(format.formatToParts(ms).map((x) => [x.type, Number(x.value)]));
		return Date.UTC(p.year ?? 0, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0) - ms;
	};
	// Twice: the offset at the guessed instant can differ across a DST change.
	return wall - offset(wall - offset(wall));
}

/** Cleans one group. Answers undefined when it cannot be imported (its problem says why). */
export function cleanGroup(row: GroupRow, timeZone: string, problems: Problem[]): CleanGroup | undefined {
	const groupId = row.id.trim();
	const note = (kind: ProblemKind, detail: string) => problems.push({ kind, groupId: row.id, detail });
	if (!GROUP_ID.test(groupId) || !Number.isSafeInteger(Number(groupId))) {
		note("invalid-group-id", JSON.stringify(row.id));
		return undefined;
	}
	const creatorRaw = row.creator ?? "";
	const creator = creatorRaw.trim();
	const creatorProblem = userIdProblem(creator);
	if (creatorProblem) {
		note("invalid-creator", `${JSON.stringify(creatorRaw)} ${creatorProblem}`);
		return undefined;
	}
	if (creator !== creatorRaw) note("trimmed-id", `creator ${JSON.stringify(creatorRaw)}`);
	if (creator.includes("_")) note("underscore-id", creator);
	if (NUMERIC.test(creator)) note("numeric-looking-id", creator);

	const dnd = new Map<string, boolean>();
	// PHP's trim() on the whole list, as the sample's reads do, then entry by entry.
	const list = (row.userList ?? "").replace(/^[ \t\n\r\0\x0B]+|[ \t\n\r\0\x0B]+$/g, "");
	for (const entry of list === "" ? [] : list.split(",")) {
		const { id: raw, flag, flagText } = splitEntry(entry);
		const id = raw.trim();
		if (id === "") {
			note("empty-id", JSON.stringify(entry));
			continue;
		}
		const problem = userIdProblem(id);
		if (problem) {
			note("invalid-member", `${JSON.stringify(raw)} ${problem}`);
			continue;
		}
		if (id !== raw) note("trimmed-id", JSON.stringify(raw));
		if (flagText === undefined) note("missing-flag", JSON.stringify(entry));
		else if (flag === undefined) note("bad-flag", JSON.stringify(entry));
		const on = flag !== undefined && (flag & 1) === 1;
		const seen = dnd.get(id);
		if (seen !== undefined) {
			note("duplicate-member", id);
			// The sample's SYNC_ALL lists a user as ignoring when any of their entries has the flag.
			dnd.set(id, seen || on);
			continue;
		}
		if (id !== creator) {
			if (id.includes("_")) note("underscore-id", id);
			if (NUMERIC.test(id)) note("numeric-looking-id", id);
		}
		dnd.set(id, on);
	}
	const listed = [...dnd.keys()];
	if (!dnd.has(creator)) note("creator-added", creator);
	else if (listed[0] !== creator) note("creator-moved-first", creator);
	const members = [creator, ...listed.filter((id) => id !== creator)];
	const createdAt = row.ctime === null ? undefined : zonedTime(row.ctime, timeZone);
	if (createdAt === undefined) note("no-created-time", JSON.stringify(row.ctime));
	return {
		groupId,
		body: {
			creator,
			name: row.groupName ?? "",
			members,
			doNotDisturb: members.filter((id) => dnd.get(id) === true),
			createdAt: createdAt ?? 0,
		},
	};
}

/**
 * The sample keeps each user's groups twice: in `groups.userList` and in
 * `userGroup`. We import the first (StarRTC's SYNC_ALL reads it); where the
 * second disagrees, the sample's list.php answered differently, so say so.
 */
export function crossCheck(
	groups: readonly CleanGroup[],
	skipped: ReadonlySet<string>,
	userGroups: readonly UserGroupRow[],
	problems: Problem[],
) {
	const byId = new Map(groups.map((g) => [g.groupId, { members: new Set(g.body.members), dnd: new Set(g.body.doNotDisturb) }]));
	// A creator we added is missing from userGroup too; that is already reported as creator-added.
	const added = new Set(problems.filter((p) => p.kind === "creator-added").map((p) => `${p.groupId}\n${p.detail}`));
	const indexed = new Set<string>();
	for (const row of userGroups) {
		const user = row.userId.trim();
		// An empty or refused id is not imported; its entries are reported where the group lists it.
		if (userIdProblem(user) !== undefined) continue;
		for (const entry of (row.groupList ?? "").trim().split(",")) {
			if (entry.trim() === "") continue;
			const { id, flag } = splitEntry(entry);
			const groupId = id.trim();
			if (skipped.has(groupId)) continue;
			const group = byId.get(groupId);
			const who = `user ${JSON.stringify(row.userId)}`;
			if (!group) {
				problems.push({ kind: "index-unknown-group", groupId, detail: who });
				continue;
			}
			const key = `${groupId}\n${user}`;
			if (indexed.has(key)) {
				problems.push({ kind: "index-duplicate", groupId, detail: who });
				continue;
			}
			indexed.add(key);
			if (!group.members.has(user)) problems.push({ kind: "index-only", groupId, detail: who });
			else if ((((flag ?? 0) & 1) === 1) !== group.dnd.has(user)) problems.push({ kind: "index-dnd-differs", groupId, detail: who });
		}
	}
	for (const group of groups) {
		for (const user of group.body.members) {
			const key = `${group.groupId}\n${user}`;
			if (!indexed.has(key) && !added.has(key))
				problems.push({ kind: "not-in-index", groupId: group.groupId, detail: `user ${JSON.stringify(user)}` });
		}
	}
}

/** Every group cleaned, in id order, with the problems found. */
export function cleanAll(data: SampleData, timeZone: string): { groups: CleanGroup[]; problems: Problem[] } {
	const problems: Problem[] = [];
	const groups: CleanGroup[] = [];
	const skipped = new Set<string>();
	for (const row of data.groups) {
		const clean = cleanGroup(row, timeZone, problems);
		if (clean) groups.push(clean);
		else skipped.add(row.id.trim());
	}
	groups.sort((a, b) => Number(a.groupId) - Number(b.groupId));
	crossCheck(groups, skipped, data.userGroups, problems);
	return { groups, problems };
}
