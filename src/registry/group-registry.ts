import { DurableObject } from "cloudflare:workers";
import { ErrorCode, fail, ok, type Outcome } from "../protocol/errors";
import type { GroupSummary } from "./summary";

// Keyed by the id as an integer (ids are decimal up to 2^53 - 1), so rows sort in
// numeric order: "99" before "100000". A deleted group keeps its row (deleted = 1,
// no name) with the tombstone's version, so an older summary delivered late can
// never bring it back. No other index: a page skips the few tombstones it meets,
// and a summary's update writes one row, not an index entry too.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS groups (
	group_id INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	creator TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	member_count INTEGER NOT NULL,
	version INTEGER NOT NULL,
	deleted INTEGER NOT NULL
);
`;

/** A registered group as a listing shows it (the API turns `createdAt` into ISO 8601). */
export type ListedGroup = Omit<GroupSummary, "deleted">;

/**
 * One shard of the group registry (named `registry-<n>`, see `registryShardOf`):
 * a summary row per group of its share, fed only by the group outboxes, read by
 * `listGroups` (src/registry/listing.ts).
 */
export class GroupRegistry extends DurableObject<Env> {
	readonly #sql: SqlStorage;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.#sql = ctx.storage.sql;
		this.#sql.exec(SCHEMA);
	}

	/** Applies summaries; each group's row only moves forward in version. */
	apply(summaries: readonly GroupSummary[]): Outcome<void> {
		try {
			this.ctx.storage.transactionSync(() => {
				for (const s of summaries) {
					this.#sql.exec(
						`INSERT INTO groups VALUES (?, ?, ?, ?, ?, ?, ?)
						 ON CONFLICT (group_id) DO UPDATE SET name = excluded.name, creator = excluded.creator,
						   created_at = excluded.created_at, member_count = excluded.member_count,
						   version = excluded.version, deleted = excluded.deleted
						 WHERE excluded.version > groups.version`,
						Number(s.groupId),
						s.name,
						s.creator,
						s.createdAt,
						s.memberCount,
						s.version,
						s.deleted ? 1 : 0,
					);
				}
			});
			return ok(undefined);
		} catch (error) {
			return fail(ErrorCode.InternalError, `group registry: ${String(error)}`);
		}
	}

	/** Up to `limit` living groups with ids above `after`, in numeric id order. */
	page(after: number, limit: number): Outcome<ListedGroup[]> {
		try {
			const rows = this.#sql
				.exec<{ group_id: number; name: string; creator: string; created_at: number; member_count: number; version: number }>(
					`SELECT group_id, name, creator, created_at, member_count, version FROM groups
					 WHERE deleted = 0 AND group_id > ? ORDER BY group_id LIMIT ?`,
					after,
					limit,
				)
				.toArray();
			return ok(
				rows.map((row) => ({
					groupId: String(row.group_id),
					name: row.name,
					creator: row.creator,
					createdAt: row.created_at,
					memberCount: row.member_count,
					version: row.version,
				})),
			);
		} catch (error) {
			return fail(ErrorCode.InternalError, `group registry: ${String(error)}`);
		}
	}
}
