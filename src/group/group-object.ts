import { DurableObject } from "cloudflare:workers";
import { type Role, readSettings } from "../config";
import { Membership, type MemberState, type Page } from "../user-index/membership";
import { Answer } from "../protocol/answer";
import { ErrorCode, type Failure, fail, ok, type Outcome } from "../protocol/errors";
import { type StarRtcNews, callsFor, wholeState } from "../starrtc/calls";
import { callProxy, type ProxyCall } from "../starrtc/proxy";
import { Outbox, type StarRtcStatus } from "./outbox";

/** What the id counter hands over when it has minted an id for a new group. */
export interface GroupInit {
	readonly groupId: string;
	readonly creator: string;
	/** Join order; the creator first. */
	readonly members: readonly string[];
	readonly userDefineData: string;
	/** Identifies the create (callback data, or the app's Idempotency-Key), so a resent one finds its group. */
	readonly createKey: string;
	/** Who made it: StarRTC (a callback) already knows; a group the app made must be told to StarRTC. */
	readonly origin: Origin;
}

/** Where a change came from: a StarRTC callback (StarRTC applies it itself) or the app's backend (StarRTC must be told). */
export type Origin = "starrtc" | "app";

/**
 * With MAX_CALLBACK_AGE_SECONDS on, a mutating callback carries the digest of its
 * data: the group applies one data text once, and answers an exact repeat within
 * `keepMs` as a success without applying it.
 */
export interface ReplayGuard {
	readonly key: string;
	readonly keepMs: number;
}

/** Expired replay records are deleted at most this often per object. */
const REPLAY_PRUNE_MS = 60_000;

/** A group as another AEC server held it, for the import route. */
export interface ImportedGroup {
	readonly groupId: string;
	readonly creator: string;
	readonly name: string;
	/** In their order there; the creator is put first, as on create. */
	readonly members: readonly string[];
	readonly doNotDisturb: readonly string[];
	readonly createdAt: number;
}

/** created / replaced (with overwrite) / unchanged; conflict: other content is here; deleted: the id was deleted here. */
export interface ImportResult {
	readonly result: "created" | "replaced" | "unchanged" | "conflict" | "deleted";
	readonly version: number;
}

/** A group's state after an app change, as the admin API answers it. */
export interface GroupState {
	readonly groupId: string;
	readonly memberCount: number;
	readonly version: number;
	/** off: no STARRTC_PROXY_URL; pending: waiting in the outbox; told: StarRTC knows every change. */
	readonly starrtc: "off" | "pending" | "told";
}

/** What StarRTC has been told of the group, for `GET /v1/groups/{id}`. */
export interface StarRtcReport extends StarRtcStatus {
	readonly proxy: boolean;
}

/** A group as the API describes it. */
export interface GroupInfo {
	readonly groupId: string;
	readonly name: string;
	readonly creator: string;
	readonly createdAt: number;
	readonly memberCount: number;
	/** Bumped by every change; what the user index has seen is at most this. */
	readonly version: number;
	readonly starrtc: StarRtcReport;
}

/** A member as the API lists them. */
export interface Member {
	readonly userId: string;
	readonly doNotDisturb: boolean;
}

/** What the StarRTC demo apps' members.php shows a member. */
export interface MemberView {
	readonly userIdList: string;
	readonly isIgnore: boolean;
}

/** The group as this instance knows it; loaded once, then kept in step with every write. */
interface Group {
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

// `members` is keyed by user id WITHOUT ROWID, so a single-member change writes
// one member row and no secondary index; join order lives in `joined` and is
// only sorted on when the object wakes. The schema is made by a create (or an
// import) only, so an object asked about a group that was never created writes
// nothing at all.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS group_info (
	singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
	group_id TEXT NOT NULL,
	creator TEXT NOT NULL,
	user_define_data TEXT NOT NULL,
	create_key TEXT NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS members (
	user_id TEXT PRIMARY KEY,
	joined INTEGER NOT NULL,
	dnd INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS group_version (
	singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
	version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS recent_callbacks (
	callback_key TEXT PRIMARY KEY,
	received_at INTEGER NOT NULL
) WITHOUT ROWID;
`;

const unknownGroup = (): Failure => fail(ErrorCode.UnknownGroup, "no such group (never created, or deleted)");

/**
 * One group, named by its groupId. Every method runs without an `await` between
 * reading and writing, so calls on one group never interleave, and each change is
 * one SQLite transaction: the change, its new version and the outbox rows that
 * tell the user index, all or nothing. The alarm delivers the outbox afterwards.
 */
export class GroupObject extends DurableObject<Env> {
	readonly #sql: SqlStorage;
	readonly #outbox: Outbox;
	/** undefined: not read yet; null: no group here (never created, or deleted). */
	#group: Group | null | undefined;
	/** Whether storage holds the tables: only once a group was created (or imported) here. */
	#hasSchema: boolean;
	#prunedAt = 0;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.#sql = ctx.storage.sql;
		this.#outbox = new Outbox(ctx, env, (news) => this.#tellStarRtc(news));
		// A read: an object for a never-created group must leave no storage behind.
		this.#hasSchema = this.#sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'group_info'").toArray().length > 0;
		// Groups made by an earlier release get the newer tables here; for the rest this is a no-op.
		if (this.#hasSchema) this.#makeSchema();
	}

	#makeSchema(): void {
		this.#sql.exec(SCHEMA);
		this.#outbox.makeSchema();
		this.#hasSchema = true;
	}

	/** Makes the group; repeating the same create (same createKey) changes nothing. */
	create(init: GroupInit): Outcome<void> {
		return this.#guarded(() => {
			const existing = this.#load();
			if (existing) {
				return existing.createKey === init.createKey
					? ok(undefined)
					: fail(ErrorCode.InternalError, `group ${init.groupId} already exists`);
			}
			const group: Group = {
				groupId: init.groupId,
				creator: init.creator,
				name: init.userDefineData,
				createdAt: Date.now(),
				createKey: init.createKey,
				version: 0,
				members: new Map(init.members.map((id, joined) => [id, joined])),
				doNotDisturb: new Set(),
				nextJoin: init.members.length,
			};
			this.#commit(
				group,
				() => {
					this.#store(group);
					return init.members.map((id) => [id, Membership.In] as const);
				},
				{ news: init.origin === "app" ? { op: "create" } : undefined },
			);
			this.#group = group;
			return ok(undefined);
		});
	}

	syncAll(): Outcome<Answer> {
		return this.#guarded(() => {
			const group = this.#load();
			return group ? ok(this.#roster(group)) : unknownGroup();
		});
	}

	/** Adds who is not a member yet; with `sync`, answers with the roster right after. */
	addMembers(requester: string, users: readonly string[], sync: boolean, replay?: ReplayGuard): Outcome<Answer> {
		return this.#guarded(() => {
			const group = this.#load();
			if (!group) return unknownGroup();
			if (this.#isReplay(replay)) return ok(this.#answer(group, sync));
			const { permissions, maxGroupMembers: limit } = readSettings(this.env);
			const denied = this.#permit(group, requester, permissions.add);
			if (denied) return denied;
			const added = this.#add(group, users, limit, "starrtc", replay);
			if (!added.ok) return added;
			return ok(this.#answer(group, sync));
		});
	}

	/**
	 * Removes who is a member. Anyone may remove themselves; removing others needs
	 * REMOVE_PERMISSION; nobody removes the creator.
	 */
	removeMembers(requester: string, users: readonly string[], sync: boolean, replay?: ReplayGuard): Outcome<Answer> {
		return this.#guarded(() => {
			const group = this.#load();
			if (!group) return unknownGroup();
			if (this.#isReplay(replay)) return ok(this.#answer(group, sync));
			if (users.includes(group.creator)) return fail(ErrorCode.RemoveCreator, "the creator cannot be removed");
			if (users.some((id) => id !== requester)) {
				const denied = this.#permit(group, requester, readSettings(this.env).permissions.remove);
				if (denied) return denied;
			}
			this.#remove(group, users, "starrtc", replay);
			return ok(this.#answer(group, sync));
		});
	}

	/** Sets or clears the requester's own "do not disturb" in this group. */
	setDoNotDisturb(requester: string, on: boolean, sync: boolean, replay?: ReplayGuard): Outcome<Answer> {
		return this.#guarded(() => {
			const group = this.#load();
			if (!group) return unknownGroup();
			if (this.#isReplay(replay)) return ok(this.#answer(group, sync));
			if (!group.members.has(requester)) return fail(ErrorCode.NotAMember, "only a member can change their DND");
			this.#setDnd(group, requester, on, "starrtc", replay);
			return ok(this.#answer(group, sync));
		});
	}

	/**
	 * Deletes the group; the id is never used again. Its members and info go at
	 * once; what stays is its version row (a tombstone, so that not even an
	 * import brings it back) and the outbox until it is delivered.
	 */
	deleteGroup(requester: string): Outcome<Answer> {
		return this.#guarded(() => {
			const group = this.#load();
			if (!group) return unknownGroup();
			const denied = this.#permit(group, requester, readSettings(this.env).permissions.delete);
			if (denied) return denied;
			this.#delete(group, "starrtc");
			return ok(Answer.done());
		});
	}

	// ---- The app's own changes (the admin API): no permission rules, and StarRTC is told. ----

	/** Adds who is not a member yet. */
	appAddMembers(users: readonly string[]): Outcome<GroupState> {
		return this.#appChange((group) => this.#add(group, users, readSettings(this.env).maxGroupMembers, "app"));
	}

	/** Removes who is a member; never the creator. */
	appRemoveMembers(users: readonly string[]): Outcome<GroupState> {
		return this.#appChange((group) => {
			if (users.includes(group.creator)) return fail(ErrorCode.RemoveCreator, "the creator cannot be removed");
			this.#remove(group, users, "app");
			return ok(undefined);
		});
	}

	/** Sets or clears a member's DND. */
	appSetDoNotDisturb(userId: string, on: boolean): Outcome<GroupState> {
		return this.#appChange((group) => {
			if (!group.members.has(userId)) return fail(ErrorCode.NotAMember, `${userId} is not a member`);
			this.#setDnd(group, userId, on, "app");
			return ok(undefined);
		});
	}

	/** Sends StarRTC's proxy the whole state now (before a message to a group groupServer does not hold). */
	async resyncStarRtc(): Promise<Outcome<void>> {
		const { starrtcProxyUrl: url, starrtcTimeoutMs: timeout } = readSettings(this.env);
		const group = this.#guarded(() => {
			const loaded = this.#load();
			return loaded ? ok(loaded) : unknownGroup();
		});
		if (!group.ok) return group;
		if (url === undefined) return fail(ErrorCode.InternalError, "STARRTC_PROXY_URL is not set");
		const verdict = await callProxy(url, wholeState(group.value.groupId, this.#view(group.value)), timeout);
		return verdict.ok ? ok(undefined) : fail(ErrorCode.UpstreamFailure, verdict.error);
	}

	/** The group's state as the admin API answers it. */
	state(): Outcome<GroupState> {
		return this.#appChange(() => ok(undefined));
	}

	appDeleteGroup(): Outcome<GroupState> {
		return this.#appChange((group) => {
			this.#delete(group, "app");
			return ok(undefined);
		});
	}

	#appChange(change: (group: Group) => Outcome<void>): Outcome<GroupState> {
		return this.#guarded(() => {
			const group = this.#load();
			if (!group) return unknownGroup();
			const changed = change(group);
			return changed.ok ? ok(this.#state(group)) : changed;
		});
	}

	#state(group: Group): GroupState {
		const proxy = readSettings(this.env).starrtcProxyUrl !== undefined;
		const memberCount = this.#group ? group.members.size : 0;
		const starrtc = !proxy ? "off" : this.#outbox.starRtcStatus().pending ? "pending" : "told";
		return { groupId: group.groupId, memberCount, version: group.version, starrtc };
	}

	/**
	 * Imports a group from another AEC server under its own id (the admin import
	 * route). Same content again: nothing changes. Other content: a conflict,
	 * unless `overwrite`. A group deleted here never comes back. StarRTC is not
	 * told: it already holds these groups under these ids.
	 */
	importGroup(imported: ImportedGroup, overwrite: boolean): Outcome<ImportResult> {
		return this.#guarded<ImportResult>(() => {
			const existing = this.#load();
			if (!existing && this.#hasSchema && this.#sql.exec("SELECT 1 FROM group_version").toArray().length) {
				return ok({ result: "deleted", version: 0 });
			}
			const members = [imported.creator, ...imported.members.filter((id) => id !== imported.creator)];
			const dnd = new Set(imported.doNotDisturb.filter((id) => members.includes(id)));
			if (existing) {
				// The creator is the first of the members, so comparing the members compares it too.
				const same =
					existing.name === imported.name &&
					existing.createdAt === imported.createdAt &&
					[...existing.members.keys()].join("\n") === members.join("\n") &&
					existing.doNotDisturb.size === dnd.size &&
					[...dnd].every((id) => existing.doNotDisturb.has(id));
				if (same) return ok({ result: "unchanged", version: existing.version });
				if (!overwrite) return ok({ result: "conflict", version: existing.version });
			}
			const group: Group = {
				groupId: imported.groupId,
				creator: imported.creator,
				name: imported.name,
				createdAt: imported.createdAt,
				createKey: existing?.createKey ?? `import:${imported.groupId}`,
				version: existing?.version ?? 0,
				members: new Map(members.map((id, joined) => [id, joined])),
				doNotDisturb: dnd,
				nextJoin: members.length,
			};
			const leaving = existing ? [...existing.members.keys()].filter((id) => !group.members.has(id)) : [];
			this.#commit(group, () => {
				this.#store(group);
				return [
					...members.map((id) => [id, dnd.has(id) ? Membership.InWithDnd : Membership.In] as const),
					...leaving.map((id) => [id, Membership.Out] as const),
				];
			});
			this.#group = group;
			return ok({ result: existing ? "replaced" : "created", version: group.version });
		});
	}

	// ---- Changes, shared by both doors: each one commit, memory kept in step after it. ----

	#add(group: Group, users: readonly string[], limit: number, origin: Origin, replay?: ReplayGuard): Outcome<void> {
		const joining = users.filter((id) => !group.members.has(id));
		if (group.members.size + joining.length > limit) {
			return fail(ErrorCode.GroupFull, `${group.members.size} + ${joining.length} members is over the limit ${limit}`);
		}
		if (!joining.length) return ok(this.#remember(replay));
		this.#commit(
			group,
			() => {
				joining.forEach((id, i) => this.#sql.exec("INSERT INTO members VALUES (?, ?, 0)", id, group.nextJoin + i));
				return joining.map((id) => [id, Membership.In] as const);
			},
			{ news: origin === "app" ? { op: "members", users: joining } : undefined, replay },
		);
		for (const id of joining) group.members.set(id, group.nextJoin++);
		// Joiners go last, so a cached list only grows at its end.
		if (group.groupList !== undefined) group.groupList += `,${joining.join(",")}`;
		group.roster = undefined;
		group.ordered = undefined;
		return ok(undefined);
	}

	#remove(group: Group, users: readonly string[], origin: Origin, replay?: ReplayGuard): void {
		const leaving = users.filter((id) => group.members.has(id));
		if (!leaving.length) return this.#remember(replay);
		this.#commit(
			group,
			() => {
				for (const id of leaving) this.#sql.exec("DELETE FROM members WHERE user_id = ?", id);
				return leaving.map((id) => [id, Membership.Out] as const);
			},
			{ news: origin === "app" ? { op: "members", users: leaving } : undefined, replay },
		);
		for (const id of leaving) {
			group.members.delete(id);
			if (group.doNotDisturb.delete(id)) group.ignoreList = undefined;
		}
		group.groupList = undefined;
		group.roster = undefined;
		group.ordered = undefined;
	}

	#setDnd(group: Group, userId: string, on: boolean, origin: Origin, replay?: ReplayGuard): void {
		if (group.doNotDisturb.has(userId) === on) return this.#remember(replay);
		this.#commit(
			group,
			() => {
				this.#sql.exec("UPDATE members SET dnd = ? WHERE user_id = ?", on ? 1 : 0, userId);
				return [[userId, on ? Membership.InWithDnd : Membership.In]];
			},
			{ news: origin === "app" ? { op: "dnd", users: [userId] } : undefined, replay },
		);
		if (on) group.doNotDisturb.add(userId);
		else group.doNotDisturb.delete(userId);
		group.ignoreList = undefined;
		group.roster = undefined;
	}

	#delete(group: Group, origin: Origin): void {
		this.#commit(
			group,
			() => {
				this.#sql.exec("DELETE FROM members");
				this.#sql.exec("DELETE FROM group_info");
				return [...group.members.keys()].map((id) => [id, Membership.Out] as const);
			},
			{ news: origin === "app" ? { op: "delete" } : undefined, deleted: true },
		);
		this.#group = null;
	}

	/** The group's description, for the API. With `reader`, only a member may read it. */
	describe(reader?: string): Outcome<GroupInfo> {
		return this.#guarded(() => {
			const group = this.#readable(reader);
			if (!group.ok) return group;
			const { groupId, name, creator, createdAt, members, version } = group.value;
			const starrtc = { proxy: readSettings(this.env).starrtcProxyUrl !== undefined, ...this.#outbox.starRtcStatus() };
			return ok({ groupId, name, creator, createdAt, memberCount: members.size, version, starrtc });
		});
	}

	/** Members in join order, `limit` at a time after the cursor `after` (a join number). */
	memberPage(limit: number, after: number, reader?: string): Outcome<Page<Member>> {
		return this.#guarded(() => {
			const readable = this.#readable(reader);
			if (!readable.ok) return readable;
			const group = readable.value;
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
			const items = slice.map(([userId]) => ({ userId, doNotDisturb: group.doNotDisturb.has(userId) }));
			const last = slice.at(-1);
			return ok(low + limit < ordered.length && last ? { items, next: String(last[1]) } : { items });
		});
	}

	/** What members.php shows `userId`: the members, and their own DND. Members only. */
	memberView(userId: string): Outcome<MemberView> {
		return this.#guarded(() => {
			const readable = this.#readable(userId);
			if (!readable.ok) return readable;
			const group = readable.value;
			return ok({ userIdList: this.#lists(group).groupList, isIgnore: group.doNotDisturb.has(userId) });
		});
	}

	/** The outbox's safety net: delivers what an immediate delivery could not (a crash, a failure). */
	override async alarm(): Promise<void> {
		await this.#outbox.alarm();
	}

	/**
	 * Runs a method so that nothing unexpected crosses RPC as a thrown error: the
	 * edge gets INTERNAL_ERROR as a value. A failed write was rolled back by
	 * SQLite, so what memory holds is dropped and storage is read again next time.
	 */
	#guarded<T>(method: () => Outcome<T>): Outcome<T> {
		try {
			return method();
		} catch (error) {
			return this.#failed(error);
		}
	}

	#failed(error: unknown): Failure {
		this.#group = undefined;
		// A create that failed half way rolled its tables back too.
		this.#hasSchema = this.#sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'group_info'").toArray().length > 0;
		return fail(ErrorCode.InternalError, `group object: ${String(error)}`);
	}

	/**
	 * Tells StarRTC's proxy one app-made change, as the group is now (see
	 * callsFor). A group groupServer does not hold gets the whole state instead.
	 * After each send the calls are worked out again: a callback may have changed
	 * the group while a call was in flight. Sent again while they differ (three
	 * tries), so that StarRTC's copy equals ours once the outbox is empty.
	 * Returns why it failed, if it did.
	 */
	async #tellStarRtc(news: StarRtcNews): Promise<string | undefined> {
		const { starrtcProxyUrl: url, starrtcTimeoutMs: timeout } = readSettings(this.env);
		if (url === undefined) return undefined; // The proxy was switched off: nobody to tell.
		const groupId = this.ctx.id.name ?? "";
		let sent: string | undefined;
		for (let tries = 0; ; tries++) {
			const group = this.#load();
			const calls = callsFor(news, groupId, group && this.#view(group));
			const worked = JSON.stringify(calls);
			if (worked === sent) return undefined;
			if (tries === 3) return "the group kept changing while StarRTC was told; trying again";
			for (const call of calls) {
				let verdict = await callProxy(url, call, timeout);
				if (!verdict.ok && verdict.notSynced) {
					const now = this.#load();
					verdict = await callProxy(url, wholeState(groupId, now && this.#view(now)), timeout);
				}
				if (!verdict.ok) return `${call.name}: ${verdict.error}`;
			}
			sent = worked;
		}
	}

	#view(group: Group): { groupId: string; members: Map<string, number>; doNotDisturb: Set<string>; groupList: string; ignoreList: string } {
		return { groupId: group.groupId, members: group.members, doNotDisturb: group.doNotDisturb, ...this.#lists(group) };
	}

	/** The group, if it exists and `reader` (when given) is a member. */
	#readable(reader?: string): Outcome<Group> {
		const group = this.#load();
		if (!group) return unknownGroup();
		if (reader !== undefined && !group.members.has(reader)) return fail(ErrorCode.NotAMember, `${reader} is not a member`);
		return ok(group);
	}

	/**
	 * Runs one change in one transaction with what it implies: the group's next
	 * version, and the outbox rows telling the user index the new state of every
	 * user the change touched. `change` returns those users.
	 */
	#commit(
		group: Group,
		change: () => readonly MemberState[],
		{ news, deleted = false, replay }: { news?: StarRtcNews; deleted?: boolean; replay?: ReplayGuard } = {},
	): void {
		const version = group.version + 1;
		const proxy = readSettings(this.env).starrtcProxyUrl !== undefined;
		this.ctx.storage.transactionSync(() => {
			const users = change();
			if (replay) this.#recordCallback(replay);
			if (news && proxy) this.#outbox.tellStarRtc(version, news);
			this.#sql.exec(
				`INSERT INTO group_version VALUES (1, ?) ON CONFLICT (singleton) DO UPDATE SET version = excluded.version`,
				version,
			);
			this.#outbox.tellIndex(
				{ groupId: group.groupId, version, at: Date.now(), name: group.name, creator: group.creator, deleted },
				users,
			);
		});
		group.version = version;
		this.#outbox.kick();
	}

	/** Writes the whole group (its info and its members in join order) over whatever was stored. Inside a commit. */
	#store(group: Group): void {
		this.#makeSchema();
		this.#sql.exec("DELETE FROM members");
		this.#sql.exec("DELETE FROM group_info");
		this.#sql.exec(
			"INSERT INTO group_info VALUES (1, ?, ?, ?, ?, ?)",
			group.groupId,
			group.creator,
			group.name,
			group.createKey,
			group.createdAt,
		);
		for (const [id, joined] of group.members) {
			this.#sql.exec("INSERT INTO members VALUES (?, ?, ?)", id, joined, group.doNotDisturb.has(id) ? 1 : 0);
		}
	}

	/** Whether this exact callback was applied here within its window. */
	#isReplay(replay: ReplayGuard | undefined): boolean {
		if (!replay) return false;
		const seen = this.#sql
			.exec<{ received_at: number }>("SELECT received_at FROM recent_callbacks WHERE callback_key = ?", replay.key)
			.toArray()[0];
		return seen !== undefined && seen.received_at >= Date.now() - replay.keepMs;
	}

	/** A callback that changed nothing is still remembered, so its replay stays void too. */
	#remember(replay: ReplayGuard | undefined): void {
		if (replay) this.ctx.storage.transactionSync(() => this.#recordCallback(replay));
	}

	#recordCallback(replay: ReplayGuard): void {
		const now = Date.now();
		if (now - this.#prunedAt > REPLAY_PRUNE_MS) {
			this.#sql.exec("DELETE FROM recent_callbacks WHERE received_at < ?", now - replay.keepMs);
			this.#prunedAt = now;
		}
		this.#sql.exec("INSERT OR REPLACE INTO recent_callbacks VALUES (?, ?)", replay.key, now);
	}

	#answer(group: Group, sync: boolean): Answer {
		return sync ? this.#roster(group) : Answer.done();
	}

	#permit(group: Group, requester: string, role: Role): Failure | undefined {
		if (role === "anyone") return undefined;
		if (role === "creator" && requester !== group.creator) {
			return fail(ErrorCode.PermissionDenied, "only the group's creator may do this");
		}
		if (!group.members.has(requester)) return fail(ErrorCode.NotAMember, "the requester is not a member");
		return undefined;
	}

	#load(): Group | null {
		if (this.#group !== undefined) return this.#group;
		if (!this.#hasSchema) return (this.#group = null);
		this.#outbox.resume();
		const info = this.#sql
			.exec<{ group_id: string; creator: string; user_define_data: string; create_key: string; created_at: number }>(
				"SELECT group_id, creator, user_define_data, create_key, created_at FROM group_info",
			)
			.toArray()[0];
		if (!info) return (this.#group = null);
		const members = new Map<string, number>();
		const doNotDisturb = new Set<string>();
		let nextJoin = 0;
		const rows = this.#sql.exec<{ user_id: string; joined: number; dnd: number }>(
			"SELECT user_id, joined, dnd FROM members ORDER BY joined",
		);
		for (const row of rows) {
			members.set(row.user_id, row.joined);
			if (row.dnd) doNotDisturb.add(row.user_id);
			nextJoin = row.joined + 1;
		}
		const version = this.#sql.exec<{ version: number }>("SELECT version FROM group_version").toArray()[0]?.version;
		const group: Group = {
			groupId: info.group_id,
			creator: info.creator,
			name: info.user_define_data,
			createdAt: info.created_at,
			createKey: info.create_key,
			version: version ?? 0,
			members,
			doNotDisturb,
			nextJoin,
		};
		// A group made before the user index existed tells it everything once.
		if (version === undefined) {
			this.#commit(group, () =>
				[...members.keys()].map((id) => [id, doNotDisturb.has(id) ? Membership.InWithDnd : Membership.In] as const),
			);
		}
		return (this.#group = group);
	}

	/**
	 * The SYNC_ALL answer. It is kept whole between changes: a large group's
	 * answer is then built once, not on every sync (about a third of the cost
	 * of a 20,000-member SYNC_ALL).
	 */
	#roster(group: Group): Answer {
		return (group.roster ??= Answer.roster(this.#lists(group)));
	}

	/** The members and those with DND on, comma-separated in join order; kept until a change drops them. */
	#lists(group: Group): { groupList: string; ignoreList: string } {
		group.groupList ??= [...group.members.keys()].join(",");
		// Few members have DND on; order them by when they joined, as groupList is.
		group.ignoreList ??= [...group.doNotDisturb].sort((a, b) => (group.members.get(a) ?? 0) - (group.members.get(b) ?? 0)).join(",");
		return { groupList: group.groupList, ignoreList: group.ignoreList };
	}
}
