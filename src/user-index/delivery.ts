import { readSettings } from "../config";
import type { Destination } from "../group/outbox";
import { type MemberState, type MembershipDelta, shardOf } from "./membership";

/** Users per outbox row: bounds a row's size (SQLite rows hold at most 2 MB here) and one RPC's payload. */
const USERS_PER_ROW = 1000;
/** Index rows taken per delivery round. */
const ROWS_PER_ROUND = 64;
/** Index shards called at once: a Worker keeps at most 6 connections open. */
const PARALLEL_CALLS = 6;
/** The outbox rows of the user index are those whose destination is a shard's name. */
const SHARDS = "shard-*";

type Head = Omit<MembershipDelta, "users">;

/**
 * The user index as a destination of a group's outbox: one row per index shard
 * a change touches (and per USERS_PER_ROW users), delivered in batches per
 * shard, several shards at once. Shards apply by version, so a row delivered
 * twice (a crash after delivery, before the delete) changes nothing.
 */
export class IndexDelivery implements Destination {
	readonly #sql: SqlStorage;
	readonly #env: Env;

	constructor(sql: SqlStorage, env: Env) {
		this.#sql = sql;
		this.#env = env;
	}

	makeSchema(): void {}

	/** Records the deltas of one change. Call inside the change's transaction. */
	tell(head: Head, users: readonly MemberState[]): void {
		const { indexShards: shards, userIndex } = readSettings(this.#env);
		if (!userIndex) return;
		const byShard = new Map<string, MemberState[]>();
		for (const user of users) {
			const shard = shardOf(user[0], shards);
			const list = byShard.get(shard);
			if (list) list.push(user);
			else byShard.set(shard, [user]);
		}
		// A deleted group still tells every shard, so none keeps showing its name.
		for (const [shard, list] of byShard) {
			for (let i = 0; i < list.length; i += USERS_PER_ROW) {
				const delta: MembershipDelta = { ...head, users: list.slice(i, i + USERS_PER_ROW) };
				this.#sql.exec("INSERT INTO outbox (destination, payload) VALUES (?, ?)", shard, JSON.stringify(delta));
			}
		}
	}

	waiting(): boolean {
		return this.#sql.exec("SELECT 1 FROM outbox WHERE destination GLOB ? LIMIT 1", SHARDS).toArray().length > 0;
	}

	/** One round: up to ROWS_PER_ROUND rows, batched per shard, at most PARALLEL_CALLS shards at once. */
	async deliver(): Promise<boolean> {
		let failed = false;
		try {
			const rows = this.#sql
				.exec<{ seq: number; destination: string; payload: string }>(
					"SELECT seq, destination, payload FROM outbox WHERE destination GLOB ? ORDER BY seq LIMIT ?",
					SHARDS,
					ROWS_PER_ROUND,
				)
				.toArray();
			const rounds = new Map<string, { last: number; deltas: MembershipDelta[] }>();
			for (const row of rows) {
				const round = rounds.get(row.destination) ?? { last: 0, deltas: [] };
				round.last = row.seq;
				round.deltas.push(JSON.parse(row.payload) as MembershipDelta);
				rounds.set(row.destination, round);
			}
			const queue = [...rounds];
			const worker = async () => {
				for (let next = queue.shift(); next; next = queue.shift()) {
					const [shard, { last, deltas }] = next;
					try {
						const applied = await this.#env.USER_INDEX.getByName(shard).apply(deltas);
						if (!applied.ok) throw new Error(applied.reason);
						// Every row of this shard up to `last` was in this round, in order.
						this.#sql.exec("DELETE FROM outbox WHERE destination = ? AND seq <= ?", shard, last);
					} catch (error) {
						failed = true;
						console.log(JSON.stringify({ outbox: shard, outcome: "RETRY", reason: String(error).slice(0, 200) }));
					}
				}
			};
			await Promise.all(Array.from({ length: Math.min(PARALLEL_CALLS, queue.length) }, worker));
		} catch (error) {
			failed = true;
			console.log(JSON.stringify({ outbox: "read", outcome: "RETRY", reason: String(error).slice(0, 200) }));
		}
		return !failed;
	}
}
