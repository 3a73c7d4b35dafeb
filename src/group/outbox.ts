import { readSettings } from "../config";
import type { StarRtcNews } from "../starrtc/calls";
import { type MemberState, type MembershipDelta, shardOf } from "../user-index/membership";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS outbox (
	seq INTEGER PRIMARY KEY,
	destination TEXT NOT NULL,
	payload TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS starrtc_delivery (
	singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
	last_error TEXT NOT NULL,
	at INTEGER NOT NULL,
	failing INTEGER NOT NULL DEFAULT 0
);
`;

/** The outbox destination of what StarRTC's groupPushHttpProxy must learn; the others are index shards. */
const STARRTC = "starrtc";

/** A row for StarRTC: the news, and the group version it brought. */
interface StarRtcRow {
	readonly version: number;
	readonly news: StarRtcNews;
}

/** Sends one row's news to StarRTC; undefined when the proxy took it, else why not. */
export type StarRtcSender = (news: StarRtcNews) => Promise<string | undefined>;

/**
 * What StarRTC has been told: every change up to `toldVersion`; `lastError` of
 * the latest failed try, and whether the latest try of all failed (`lastErrorCurrent`).
 */
export interface StarRtcStatus {
	readonly pending: boolean;
	readonly toldVersion?: number;
	readonly lastError?: string;
	readonly lastErrorAt?: number;
	readonly lastErrorCurrent?: boolean;
}

/** Users per outbox row: bounds a row's size (SQLite rows hold at most 2 MB here) and one RPC's payload. */
const USERS_PER_ROW = 1000;
/** Index rows taken per delivery round. */
const ROWS_PER_ROUND = 64;
/** Index shards called at once: a Worker keeps at most 6 connections open. */
const PARALLEL_CALLS = 6;
const MAX_BACKOFF_MS = 5 * 60 * 1000;
/**
 * Rows are delivered at once, right after the change is answered; the alarm is
 * the durable safety net that delivers them after a crash or a failure. It is
 * set this far ahead when the first change of a while arms it, so a busy group
 * pays for one alarm per this long, not one per change.
 */
const SAFETY_NET_MS = 10_000;

type Head = Omit<MembershipDelta, "users">;

/**
 * A group's outbox: what its changes imply for others, written in the same
 * transaction as the change, delivered by the group's alarm until acknowledged.
 * A row is deleted only once its receiver said it applied it; a failed delivery
 * keeps it and retries with backoff. Receivers apply by version, so a row
 * delivered twice (a crash after delivery, before the delete) changes nothing.
 */
export class Outbox {
	readonly #ctx: DurableObjectState;
	readonly #env: Env;
	readonly #sql: SqlStorage;
	readonly #toStarRtc: StarRtcSender;
	/** An alarm is set and has not run yet (as far as this instance knows). */
	#armed = false;
	#failures = 0;
	/** The delivery under way. */
	#running?: Promise<boolean>;

	constructor(ctx: DurableObjectState, env: Env, toStarRtc: StarRtcSender) {
		this.#ctx = ctx;
		this.#env = env;
		this.#sql = ctx.storage.sql;
		this.#toStarRtc = toStarRtc;
	}

	/** The outbox's tables, made with the group's own (never for a group that does not exist). */
	makeSchema(): void {
		this.#sql.exec(SCHEMA);
		// Groups of earlier releases lack the column: their last error counts as not current until the next try.
		if (!this.#sql.exec("SELECT 1 FROM pragma_table_info('starrtc_delivery') WHERE name = 'failing'").toArray().length) {
			this.#sql.exec("ALTER TABLE starrtc_delivery ADD COLUMN failing INTEGER NOT NULL DEFAULT 0");
		}
	}

	/** Records the index deltas of one change: one row per index shard (and per USERS_PER_ROW users). Call inside the change's transaction. */
	tellIndex(head: Head, users: readonly MemberState[]): void {
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

	/** Records what StarRTC must learn of an app-made change. Call inside the change's transaction. */
	tellStarRtc(version: number, news: StarRtcNews): void {
		const row: StarRtcRow = { version, news };
		this.#sql.exec("INSERT INTO outbox (destination, payload) VALUES (?, ?)", STARRTC, JSON.stringify(row));
	}

	/** Rows waiting for StarRTC; the oldest one's version less one is what StarRTC is known to hold. */
	starRtcStatus(): StarRtcStatus {
		const oldest = this.#sql
			.exec<{ payload: string }>("SELECT payload FROM outbox WHERE destination = ? ORDER BY seq LIMIT 1", STARRTC)
			.toArray()[0];
		const error = this.#sql
			.exec<{ last_error: string; at: number; failing: number }>("SELECT last_error, at, failing FROM starrtc_delivery")
			.toArray()[0];
		const failure = error ? { lastError: error.last_error, lastErrorAt: error.at, lastErrorCurrent: error.failing === 1 } : {};
		if (!oldest) return { pending: false, ...failure };
		return { pending: true, toldVersion: (JSON.parse(oldest.payload) as StarRtcRow).version - 1, ...failure };
	}

	/**
	 * After a change's transaction: makes sure the safety-net alarm is set (it is
	 * stored with the change: the output gate holds the answer until both are),
	 * and delivers now, without the caller waiting.
	 */
	kick(): void {
		this.#arm(SAFETY_NET_MS);
		// After the current call has finished, so the group's memory already holds the change.
		queueMicrotask(() => void this.#deliver());
	}

	/** On wake: an outbox left non-empty (a crash, a restart) is delivered again. */
	resume(): void {
		if (this.#sql.exec("SELECT 1 FROM outbox LIMIT 1").toArray().length) this.kick();
	}

	/** The alarm: whatever is left is delivered; a failed round re-arms it with backoff. */
	async alarm(): Promise<boolean> {
		this.#armed = false;
		return this.#deliver();
	}

	/**
	 * Delivers until the outbox is empty or a round fails; true when it is empty.
	 * One delivery runs at a time: rows that come in meanwhile go in its next round
	 * (a round ends by looking for rows left, with no await after it).
	 */
	#deliver(): Promise<boolean> {
		if (this.#running) return this.#running;
		this.#running = (async () => {
			try {
				for (;;) {
					const outcome = await this.#round();
					// After a failure the alarm's backoff decides when to try again.
					if (outcome !== "more") return outcome === "empty";
				}
			} finally {
				this.#running = undefined;
			}
		})();
		return this.#running;
	}

	#arm(delayMs: number, force = false): void {
		if (this.#armed && !force) return;
		this.#armed = true;
		// Not awaited: the output gate holds the answer until the alarm is stored.
		void this.#ctx.storage.setAlarm(Date.now() + delayMs);
	}

	/**
	 * One delivery round. Index shards get their rows in batches, several shards
	 * at once; StarRTC gets its rows one at a time, in order, until none is left
	 * or one fails. A failure re-arms the alarm with backoff; rows left over
	 * (more than a round takes, or come in meanwhile) go in another round at once.
	 */
	async #round(): Promise<"empty" | "more" | "failed"> {
		const [indexed, told] = await Promise.all([this.#deliverToIndex(), this.#deliverToStarRtc(this.#toStarRtc)]);
		if (!indexed || !told) {
			this.#failures++;
			const backoff = Math.min(1000 * 2 ** (this.#failures - 1), MAX_BACKOFF_MS);
			this.#arm(backoff / 2 + Math.random() * (backoff / 2), true);
			return "failed";
		}
		this.#failures = 0;
		return this.#sql.exec("SELECT 1 FROM outbox LIMIT 1").toArray().length > 0 ? "more" : "empty";
	}

	async #deliverToStarRtc(send: StarRtcSender): Promise<boolean> {
		for (;;) {
			let error: string | undefined;
			try {
				const row = this.#sql
					.exec<{ seq: number; payload: string }>("SELECT seq, payload FROM outbox WHERE destination = ? ORDER BY seq LIMIT 1", STARRTC)
					.toArray()[0];
				if (!row) return true;
				error = await send((JSON.parse(row.payload) as StarRtcRow).news);
				if (error === undefined) {
					this.#sql.exec("DELETE FROM outbox WHERE seq = ?", row.seq);
					this.#sql.exec("UPDATE starrtc_delivery SET failing = 0 WHERE failing = 1");
				}
			} catch (thrown) {
				error = String(thrown);
			}
			if (error !== undefined) {
				this.#sql.exec("INSERT OR REPLACE INTO starrtc_delivery VALUES (1, ?, ?, 1)", error.slice(0, 500), Date.now());
				console.log(JSON.stringify({ outbox: STARRTC, outcome: "RETRY", reason: error.slice(0, 200) }));
				return false;
			}
		}
	}

	async #deliverToIndex(): Promise<boolean> {
		let failed = false;
		try {
			const rows = this.#sql
				.exec<{ seq: number; destination: string; payload: string }>(
					"SELECT seq, destination, payload FROM outbox WHERE destination != ? ORDER BY seq LIMIT ?",
					STARRTC,
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
