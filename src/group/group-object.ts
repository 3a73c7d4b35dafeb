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
// only sorted on when the object wakes.
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

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.#sql = ctx.storage.sql;
		this.#sql.exec(SCHEMA);
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
	addMembers(requester: string, users: readonly string[], sync: boolean): Outcome<Answer> {
		return this.#guarded(() => {
			const group = this.#load();
			if (!group) return unknownGroup();
			const { permissions, maxGroupMembers: limit } = readSettings(this.env);
			const denied = this.#permit(group, requester, permissions.add);
			if (denied) return denied;
			const joining = users.filter((id) => !group.members.has(id));
			if (group.members.size + joining.length > limit) {
				return fail(ErrorCode.GroupFull, `${group.members.size} + ${joining.length} members is over the limit ${limit}`);
			}
			if (joining.length) {
				this.ctx.storage.transactionSync(() => {
					joining.forEach((id, i) => this.#sql.exec("INSERT INTO members VALUES (?, ?, 0)", id, group.nextJoin + i));
				});
				for (const id of joining) group.members.set(id, group.nextJoin++);
				// Joiners go last, so a cached list only grows at its end.
				if (group.groupList !== undefined) group.groupList += `,${joining.join(",")}`;
				group.roster = undefined;
			}
			return ok(sync ? this.#roster(group) : Answer.done());
		});
	}

	/**
	 * Removes who is a member. Anyone may remove themselves; removing others needs
	 * REMOVE_PERMISSION; nobody removes the creator.
	 */
	removeMembers(requester: string, users: readonly string[], sync: boolean): Outcome<Answer> {
		return this.#guarded(() => {
			const group = this.#load();
			if (!group) return unknownGroup();
			if (users.includes(group.creator)) return fail(ErrorCode.RemoveCreator, "the creator cannot be removed");
			if (users.some((id) => id !== requester)) {
				const denied = this.#permit(group, requester, readSettings(this.env).permissions.remove);
				if (denied) return denied;
			}
			const leaving = users.filter((id) => group.members.has(id));
			if (leaving.length) {
				this.ctx.storage.transactionSync(() => {
					for (const id of leaving) this.#sql.exec("DELETE FROM members WHERE user_id = ?", id);
				});
				for (const id of leaving) {
					group.members.delete(id);
					if (group.doNotDisturb.delete(id)) group.ignoreList = undefined;
				}
				group.groupList = undefined;
				group.roster = undefined;
			}
			return ok(sync ? this.#roster(group) : Answer.done());
		});
	}

	/** Sets or clears the requester's own "do not disturb" in this group. */
	setDoNotDisturb(requester: string, on: boolean, sync: boolean): Outcome<Answer> {
		return this.#guarded(() => {
			const group = this.#load();
			if (!group) return unknownGroup();
			if (!group.members.has(requester)) return fail(ErrorCode.NotAMember, "only a member can change their DND");
			if (group.doNotDisturb.has(requester) !== on) {
				this.#sql.exec("UPDATE members SET dnd = ? WHERE user_id = ?", on ? 1 : 0, requester);
				if (on) group.doNotDisturb.add(requester);
				else group.doNotDisturb.delete(requester);
				group.ignoreList = undefined;
				group.roster = undefined;
			}
			return ok(sync ? this.#roster(group) : Answer.done());
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

	#load(): Group | null {
		if (this.#group !== undefined) return this.#group;
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
