import { DurableObject } from "cloudflare:workers";
import { readSettings } from "../config";
import { ErrorCode, fail, ok, type Outcome } from "../protocol/errors";
import { MAX_GROUP_ID } from "../protocol/ids";
import type { GroupInit } from "../group/types";

/** The id counter is a single object, by this name. */
export const COUNTER_NAME = "ids";

/** StarRTC may resend a create it timed out on (it waits ~17 s); a resend within this window finds its group. */
export const CREATE_RETRY_WINDOW_MS = 10 * 60 * 1000;

export type CreateRequest = Omit<GroupInit, "groupId">;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS next_group_id (
	singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
	value INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS recent_creates (
	create_key TEXT PRIMARY KEY,
	group_id TEXT NOT NULL,
	received_at INTEGER NOT NULL,
	created INTEGER NOT NULL DEFAULT 0,
	fingerprint TEXT
);
CREATE INDEX IF NOT EXISTS recent_creates_by_age ON recent_creates (received_at);
`;

/**
 * The one object (named "ids") that mints group ids: decimal, strictly
 * increasing, never reused. It also remembers recent creates for the retry
 * window, and it is what makes the group, so that "id minted" and "group
 * created" are recorded in one place: a resent create whose group was made
 * (and perhaps deleted since) gets the same id back and creates nothing.
 */
export class GroupIdCounter extends DurableObject<Env> {
	readonly #sql: SqlStorage;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.#sql = ctx.storage.sql;
		this.#sql.exec(SCHEMA);
		// Counters of earlier releases lack the column.
		if (!this.#sql.exec("SELECT 1 FROM pragma_table_info('recent_creates') WHERE name = 'fingerprint'").toArray().length) {
			this.#sql.exec("ALTER TABLE recent_creates ADD COLUMN fingerprint TEXT");
		}
	}

	/** With `fingerprint` (an app's create: a digest of its content), the same key with other content is refused. */
	async createGroup(request: CreateRequest, fingerprint?: string): Promise<Outcome<string>> {
		try {
			return await this.#create(request, fingerprint);
		} catch (error) {
			// Nothing unexpected crosses RPC as a thrown error; a failed write was rolled back.
			return fail(ErrorCode.InternalError, `id counter: ${String(error)}`);
		}
	}

	async #create(request: CreateRequest, fingerprint?: string): Promise<Outcome<string>> {
		const now = Date.now();
		// Everything up to the group call is synchronous, so two creates never mint the same id.
		this.#sql.exec("DELETE FROM recent_creates WHERE received_at < ?", now - CREATE_RETRY_WINDOW_MS);
		const seen = this.#sql
			.exec<{ group_id: string; created: number; fingerprint: string | null }>(
				"SELECT group_id, created, fingerprint FROM recent_creates WHERE create_key = ?",
				request.createKey,
			)
			.toArray()[0];
		// A callback's key is its data, so only the app's keys carry a fingerprint to compare.
		if (seen && seen.fingerprint !== null && seen.fingerprint !== fingerprint) {
			const minutes = CREATE_RETRY_WINDOW_MS / 60_000;
			return fail(
				ErrorCode.KeyReused,
				`this Idempotency-Key came within ${minutes} minutes with another creator, members or name; a new create needs a new key`,
			);
		}
		if (seen?.created) return ok(seen.group_id);

		// A resend of a create that failed half way finishes it under the id it was given.
		const groupId = seen?.group_id ?? this.#mint();
		if (groupId === undefined) return fail(ErrorCode.GroupIdsExhausted, `every group id up to ${MAX_GROUP_ID} is taken`);
		if (!seen) {
			this.#sql.exec(
				"INSERT INTO recent_creates (create_key, group_id, received_at, fingerprint) VALUES (?, ?, ?, ?)",
				request.createKey,
				groupId,
				now,
				fingerprint ?? null,
			);
		}
		let made: Outcome<void>;
		try {
			made = await this.env.GROUPS.getByName(groupId).create({ ...request, groupId });
		} catch (error) {
			return fail(ErrorCode.InternalError, `creating group ${groupId} failed: ${String(error)}`);
		}
		if (!made.ok) return made;
		this.#sql.exec("UPDATE recent_creates SET created = 1 WHERE create_key = ?", request.createKey);
		return ok(groupId);
	}

	/** An imported group keeps its id: ids minted from now on are above it. Never lowers the counter. */
	raiseAbove(groupId: string): Outcome<void> {
		try {
			this.#sql.exec(
				`INSERT INTO next_group_id VALUES (1, ?)
				 ON CONFLICT (singleton) DO UPDATE SET value = max(value, excluded.value)`,
				Number(groupId),
			);
			return ok(undefined);
		} catch (error) {
			return fail(ErrorCode.InternalError, `id counter: ${String(error)}`);
		}
	}

	/** The highest id minted so far (0 before the first), read only: the edge's bound on which groups can exist. */
	highestGroupId(): number {
		return this.#sql.exec<{ value: number }>("SELECT value FROM next_group_id").toArray()[0]?.value ?? 0;
	}

	/** The next id, or undefined when it would be above MAX_GROUP_ID (nothing is written then). */
	#mint(): string | undefined {
		// Raising GROUP_ID_START later moves the next id up; lowering it never moves it back.
		const next = Math.max(this.highestGroupId() + 1, readSettings(this.env).groupIdStart);
		if (next > MAX_GROUP_ID) return undefined;
		this.#sql.exec("INSERT INTO next_group_id VALUES (1, ?) ON CONFLICT (singleton) DO UPDATE SET value = excluded.value", next);
		return String(next);
	}
}
