import { DurableObject } from "cloudflare:workers";
import { type Role, readSettings } from "../config";
import { Answer } from "../protocol/answer";
import { ErrorCode, type Failure, fail, ok, type Outcome } from "../protocol/errors";

/** What the id counter hands over when it has minted an id for a new group. */
export interface GroupInit {
	readonly groupId: string;
	readonly creator: string;
	/** Join order; the creator first. */
	readonly members: readonly string[];
	readonly userDefineData: string;
	/** Identifies the create callback, so a resent one finds its group instead of failing. */
	readonly createKey: string;
}

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

/** The group as this instance knows it; loaded once, then kept in step with every write. */
interface Group {
	readonly creator: string;
	readonly createKey: string;
	/** userId → join number. A Map iterates in insertion order, which is join order. */
	readonly members: Map<string, number>;
	readonly doNotDisturb: Set<string>;
	nextJoin: number;
	/** The SYNC_ALL lists and answer, built on demand and kept until a change makes them stale. */
	groupList?: string;
	ignoreList?: string;
	roster?: Answer;
}

// `members` is keyed by user id WITHOUT ROWID, so a single-member change writes
// exactly one row and no secondary index; join order lives in `joined` and is
// only sorted on when the object wakes. The schema is made by `create` only, so
// an object asked about a group that was never created writes nothing at all.
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
CREATE TABLE IF NOT EXISTS recent_callbacks (
	callback_key TEXT PRIMARY KEY,
	received_at INTEGER NOT NULL
) WITHOUT ROWID;
`;

const unknownGroup = (): Failure => fail(ErrorCode.UnknownGroup, "no such group (never created, or deleted)");

/**
 * One group, named by its groupId. Every method runs without an `await` between
 * reading and writing (except the final deleteAll), so calls on one group never
 * interleave, and each change is one SQLite transaction: it all happens or none of it.
 */
export class GroupObject extends DurableObject<Env> {
	readonly #sql: SqlStorage;
	/** undefined: not read yet; null: no group here (never created, or deleted). */
	#group: Group | null | undefined;
	/** Whether storage holds the tables: only once a group was created here. */
	#hasSchema: boolean;
	#prunedAt = 0;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.#sql = ctx.storage.sql;
		// A read: an object for a never-created group must leave no storage behind.
		this.#hasSchema = this.#sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'group_info'").toArray().length > 0;
		// Groups made before the replay cache existed get its table here; for the rest this is a no-op.
		if (this.#hasSchema) this.#sql.exec(SCHEMA);
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
			this.ctx.storage.transactionSync(() => {
				this.#sql.exec(SCHEMA);
				this.#sql.exec(
					"INSERT INTO group_info VALUES (1, ?, ?, ?, ?, ?)",
					init.groupId,
					init.creator,
					init.userDefineData,
					init.createKey,
					Date.now(),
				);
				init.members.forEach((id, joined) => this.#sql.exec("INSERT INTO members VALUES (?, ?, 0)", id, joined));
			});
			this.#hasSchema = true;
			this.#group = {
				creator: init.creator,
				createKey: init.createKey,
				members: new Map(init.members.map((id, joined) => [id, joined])),
				doNotDisturb: new Set(),
				nextJoin: init.members.length,
			};
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
			const joining = users.filter((id) => !group.members.has(id));
			if (group.members.size + joining.length > limit) {
				return fail(ErrorCode.GroupFull, `${group.members.size} + ${joining.length} members is over the limit ${limit}`);
			}
			this.#commit(replay, joining.length > 0, () => {
				joining.forEach((id, i) => this.#sql.exec("INSERT INTO members VALUES (?, ?, 0)", id, group.nextJoin + i));
			});
			if (joining.length) {
				for (const id of joining) group.members.set(id, group.nextJoin++);
				// Joiners go last, so a cached list only grows at its end.
				if (group.groupList !== undefined) group.groupList += `,${joining.join(",")}`;
				group.roster = undefined;
			}
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
			const leaving = users.filter((id) => group.members.has(id));
			this.#commit(replay, leaving.length > 0, () => {
				for (const id of leaving) this.#sql.exec("DELETE FROM members WHERE user_id = ?", id);
			});
			if (leaving.length) {
				for (const id of leaving) {
					group.members.delete(id);
					if (group.doNotDisturb.delete(id)) group.ignoreList = undefined;
				}
				group.groupList = undefined;
				group.roster = undefined;
			}
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
			const changes = group.doNotDisturb.has(requester) !== on;
			this.#commit(replay, changes, () => {
				this.#sql.exec("UPDATE members SET dnd = ? WHERE user_id = ?", on ? 1 : 0, requester);
			});
			if (changes) {
				if (on) group.doNotDisturb.add(requester);
				else group.doNotDisturb.delete(requester);
				group.ignoreList = undefined;
				group.roster = undefined;
			}
			return ok(this.#answer(group, sync));
		});
	}

	/** Deletes the group and all of its storage; the id is never used again. */
	async deleteGroup(requester: string): Promise<Outcome<Answer>> {
		const allowed = this.#guarded(() => {
			const group = this.#load();
			if (!group) return unknownGroup();
			return this.#permit(group, requester, readSettings(this.env).permissions.delete) ?? ok(Answer.done());
		});
		if (!allowed.ok) return allowed;
		// deleteAll is a storage operation, so the input gate keeps other calls out until it is done.
		try {
			await this.ctx.storage.deleteAll();
		} catch (error) {
			return this.#failed(error);
		}
		this.#group = null;
		this.#hasSchema = false;
		return allowed;
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
		return fail(ErrorCode.InternalError, `group object: ${String(error)}`);
	}

	#permit(group: Group, requester: string, role: Role): Failure | undefined {
		if (role === "anyone") return undefined;
		if (role === "creator" && requester !== group.creator) {
			return fail(ErrorCode.PermissionDenied, "only the group's creator may do this");
		}
		if (!group.members.has(requester)) return fail(ErrorCode.NotAMember, "the requester is not a member");
		return undefined;
	}

	/** Whether this exact callback was applied here within its window. */
	#isReplay(replay: ReplayGuard | undefined): boolean {
		if (!replay) return false;
		const seen = this.#sql
			.exec<{ received_at: number }>("SELECT received_at FROM recent_callbacks WHERE callback_key = ?", replay.key)
			.toArray()[0];
		return seen !== undefined && seen.received_at >= Date.now() - replay.keepMs;
	}

	/**
	 * Writes an accepted change and, in the same transaction, its replay record.
	 * With neither a change nor a record to write, nothing is written.
	 */
	#commit(replay: ReplayGuard | undefined, changes: boolean, write: () => void): void {
		if (!changes && !replay) return;
		this.ctx.storage.transactionSync(() => {
			if (changes) write();
			if (!replay) return;
			const now = Date.now();
			if (now - this.#prunedAt > REPLAY_PRUNE_MS) {
				this.#sql.exec("DELETE FROM recent_callbacks WHERE received_at < ?", now - replay.keepMs);
				this.#prunedAt = now;
			}
			this.#sql.exec("INSERT OR REPLACE INTO recent_callbacks VALUES (?, ?)", replay.key, now);
		});
	}

	#answer(group: Group, sync: boolean): Answer {
		return sync ? this.#roster(group) : Answer.done();
	}

	#load(): Group | null {
		if (this.#group !== undefined) return this.#group;
		if (!this.#hasSchema) return (this.#group = null);
		const info = this.#sql
			.exec<{ creator: string; create_key: string }>("SELECT creator, create_key FROM group_info")
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
		return (this.#group = { creator: info.creator, createKey: info.create_key, members, doNotDisturb, nextJoin });
	}

	/**
	 * The SYNC_ALL answer. It is kept whole between changes: a large group's
	 * answer is then built once, not on every sync (about a third of the cost
	 * of a 20,000-member SYNC_ALL).
	 */
	#roster(group: Group): Answer {
		if (!group.roster) {
			group.groupList ??= [...group.members.keys()].join(",");
			// Few members have DND on; order them by when they joined, as groupList is.
			group.ignoreList ??= [...group.doNotDisturb]
				.sort((a, b) => (group.members.get(a) ?? 0) - (group.members.get(b) ?? 0))
				.join(",");
			group.roster = Answer.roster({ groupList: group.groupList, ignoreList: group.ignoreList });
		}
		return group.roster;
	}
}
