import { DurableObject } from "cloudflare:workers";
import { ErrorCode, fail, ok, type Outcome } from "../protocol/errors";
import { Membership, type MembershipDelta, type Page, type UserGroup } from "./membership";

// One row per (user, group) the user was ever in: a member leaving keeps the row
// (member = 0) with the version that removed them, so an older delta delivered
// late can never bring them back. A group's name lives once per shard.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS memberships (
	user_id TEXT NOT NULL,
	group_id TEXT NOT NULL,
	member INTEGER NOT NULL,
	dnd INTEGER NOT NULL,
	joined_at INTEGER NOT NULL,
	version INTEGER NOT NULL,
	PRIMARY KEY (user_id, group_id)
) WITHOUT ROWID;
-- A page of a user's groups reads only that page, in join order.
CREATE INDEX IF NOT EXISTS memberships_in_join_order ON memberships (user_id, joined_at, group_id) WHERE member = 1;
CREATE TABLE IF NOT EXISTS groups (
	group_id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	creator TEXT NOT NULL,
	deleted INTEGER NOT NULL,
	version INTEGER NOT NULL
) WITHOUT ROWID;
`;

/**
 * One shard of the user index (named `shard-<n>`, see `shardOf`): for each of its
 * users, the groups they are in. Fed only by group outboxes; read by the API.
 */
export class UserIndex extends DurableObject<Env> {
	readonly #sql: SqlStorage;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.#sql = ctx.storage.sql;
		this.#sql.exec(SCHEMA);
	}

	/** Applies deltas in order; each (group, user) only moves forward in version. */
	apply(deltas: readonly MembershipDelta[]): Outcome<void> {
		try {
			this.ctx.storage.transactionSync(() => {
				for (const delta of deltas) this.#applyOne(delta);
			});
			return ok(undefined);
		} catch (error) {
			return fail(ErrorCode.InternalError, `user index: ${String(error)}`);
		}
	}

	#applyOne({ groupId, version, at, name, creator, deleted, users }: MembershipDelta): void {
		// The group's row changes only when what it shows does (an import may rename; a delete
		// hides it), so a member's change writes no row here.
		this.#sql.exec(
			`INSERT INTO groups VALUES (?, ?, ?, ?, ?)
			 ON CONFLICT (group_id) DO UPDATE SET name = excluded.name, creator = excluded.creator,
			   deleted = excluded.deleted, version = excluded.version
			 WHERE excluded.version > groups.version
			   AND (excluded.name != groups.name OR excluded.creator != groups.creator OR excluded.deleted != groups.deleted)`,
			groupId,
			name,
			creator,
			deleted ? 1 : 0,
			version,
		);
		for (const [userId, state, joinedAt] of users) {
			// A joiner's join time is the change's; a member who only toggles DND keeps theirs; a time the
			// change gives (a restore) is taken as it is.
			this.#sql.exec(
				`INSERT INTO memberships VALUES (?, ?, ?, ?, ?, ?)
				 ON CONFLICT (user_id, group_id) DO UPDATE SET
				   joined_at = CASE WHEN memberships.member = 1 AND ? = 0 THEN memberships.joined_at ELSE excluded.joined_at END,
				   member = excluded.member, dnd = excluded.dnd, version = excluded.version
				 WHERE excluded.version > memberships.version`,
				userId,
				groupId,
				state === Membership.Out ? 0 : 1,
				state === Membership.InWithDnd ? 1 : 0,
				joinedAt ?? at,
				version,
				joinedAt === undefined ? 0 : 1,
			);
		}
	}

	/**
	 * A user's groups in the order they joined them (the StarRTC sample's order),
	 * `limit` at a time; `after` is the cursor a previous page returned.
	 */
	groupsOf(userId: string, limit: number, after?: string): Outcome<Page<UserGroup>> {
		try {
			return ok(this.#groupsOf(userId, limit, after));
		} catch (error) {
			return fail(ErrorCode.InternalError, `user index: ${String(error)}`);
		}
	}

	#groupsOf(userId: string, limit: number, after?: string): Page<UserGroup> {
		const [joinedAt, groupId] = after ? parseCursor(after) : [-1, ""];
		const rows = this.#sql
			.exec<{ group_id: string; name: string; creator: string; dnd: number; joined_at: number }>(
				`SELECT m.group_id, g.name, g.creator, m.dnd, m.joined_at
				 FROM memberships m JOIN groups g ON g.group_id = m.group_id
				 WHERE m.user_id = ? AND m.member = 1 AND g.deleted = 0
				   AND (m.joined_at > ? OR (m.joined_at = ? AND m.group_id > ?))
				 ORDER BY m.joined_at, m.group_id
				 LIMIT ?`,
				userId,
				joinedAt,
				joinedAt,
				groupId,
				limit + 1,
			)
			.toArray();
		const items = rows.slice(0, limit).map((row) => ({
			groupId: row.group_id,
			name: row.name,
			creator: row.creator,
			doNotDisturb: row.dnd === 1,
			joinedAt: row.joined_at,
		}));
		const last = items.at(-1);
		return rows.length > limit && last ? { items, next: `${last.joinedAt}.${last.groupId}` } : { items };
	}
}

/** A cursor is `<joinedAt>.<groupId>` of the last item seen; the API checks its form. */
function parseCursor(cursor: string): [number, string] {
	const dot = cursor.indexOf(".");
	return [Number(cursor.slice(0, dot)), cursor.slice(dot + 1)];
}

/** The form of a user-groups cursor, for the API to validate before calling. */
export const USER_GROUPS_CURSOR = /^\d{1,16}\.[1-9]\d{0,15}$/;
