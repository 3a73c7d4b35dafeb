import type { Page } from "../user-index/membership";
import type { EventRecord } from "./messages";

/**
 * A group's messages, in its own storage: written once, in the change's
 * transaction, and read twice: by the webhook delivery (a message is waiting
 * while it is marked for the webhook and above the delivered mark) and by the
 * history route. Kept EVENT_HISTORY_DAYS, and never pruned while still waiting
 * for the webhook; a deleted group's messages go as soon as none waits.
 *
 * `seq` is version × 65,536 + part, so the table's own key orders the messages
 * (a change has at most MAX_GROUP_MEMBERS / 500 = 2,000 parts) and a page
 * after a version is one range read, with no index to write.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
	seq INTEGER PRIMARY KEY,
	id TEXT NOT NULL,
	at INTEGER NOT NULL,
	hook INTEGER NOT NULL,
	body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS webhook_delivery (
	singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
	delivered_seq INTEGER NOT NULL,
	delivered_version INTEGER,
	given_up INTEGER NOT NULL DEFAULT 0,
	last_error TEXT,
	at INTEGER,
	failing INTEGER NOT NULL DEFAULT 0
);
`;

const PART_BITS = 65536;
/** A page of the history holds at most this many bytes of messages (and at least one message). */
const PAGE_BYTES = 1024 * 1024;
/** Rows one prune deletes at most, so a prune never makes a change slow. */
const PRUNE_ROWS = 1000;
/** Old messages are pruned once the oldest is this much past its time, in one go rather than one per change. */
const PRUNE_SLACK_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Whether a message is for the webhook: 0 no (written while WEBHOOK_URL was unset), 1 yes, 2 given up. */
export const Hook = { None: 0, Send: 1, GivenUp: 2 } as const;

export const seqOf = (version: number, part: number) => version * PART_BITS + part;
/** The last seq a version can have: `after=<version>` starts above it. */
export const afterVersion = (version: number) => seqOf(version, PART_BITS - 1);

/** A message waiting for the webhook. */
export interface Waiting {
	readonly seq: number;
	readonly id: string;
	readonly at: number;
	readonly version: number;
	readonly part: number;
	readonly parts: number;
	readonly body: string;
}

/** The webhook's delivery state, for `GET /v1/groups/{id}`. */
export interface WebhookStatus {
	/** Messages waiting. */
	readonly pending: number;
	/** The last version whose every part the receiver acknowledged. */
	readonly deliveredVersion?: number;
	/** Messages given up (never acknowledged within the give-up time), over the group's life. */
	readonly givenUp: number;
	readonly lastError?: string;
	readonly lastErrorAt?: number;
	readonly lastErrorCurrent?: boolean;
}

export class EventLog {
	readonly #sql: SqlStorage;
	/** The oldest message's time: undefined not read yet, null none. */
	#oldestAt: number | null | undefined;
	/** Everything up to this seq was acknowledged or given up; undefined: not read yet. */
	#mark: number | undefined;

	constructor(sql: SqlStorage) {
		this.#sql = sql;
	}

	makeSchema(): void {
		this.#sql.exec(SCHEMA);
	}

	/** Stores one change's messages. Call inside the change's transaction. */
	record(records: readonly EventRecord[], hook: boolean): void {
		for (const record of records) {
			const id = `msg_${crypto.randomUUID().replaceAll("-", "")}`;
			const seq = seqOf(record.version, record.part);
			this.#sql.exec("INSERT OR REPLACE INTO events VALUES (?, ?, ?, ?, ?)", seq, id, record.at, hook ? Hook.Send : Hook.None, record.body);
		}
		const first = records[0];
		if (first && this.#oldestAt === null) this.#oldestAt = first.at;
	}

	/**
	 * Deletes what is past keeping and no longer waits for the webhook: older than
	 * `days`, or all of it once the group is deleted. Call inside a transaction
	 * (a change's, or after a delivery).
	 */
	prune(now: number, days: number, deleted: boolean): void {
		const oldest = this.#oldest();
		// With days kept, old messages go an hour's worth at a time; with none kept, as soon as they are delivered.
		const slack = days === 0 ? 0 : PRUNE_SLACK_MS;
		if (oldest === null || (!deleted && oldest >= now - days * DAY_MS - slack)) return;
		const cutoff = deleted ? Number.MAX_SAFE_INTEGER : now - days * DAY_MS;
		const below = this.head()?.seq ?? Number.MAX_SAFE_INTEGER;
		this.#sql.exec(
			"DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE seq < ? AND at < ? ORDER BY seq LIMIT ?)",
			below,
			cutoff,
			PRUNE_ROWS,
		);
		this.#oldestAt = undefined;
	}

	/** The oldest message waiting for the webhook. */
	head(): Waiting | undefined {
		const row = this.#sql
			.exec<{ seq: number; id: string; at: number; body: string }>(
				"SELECT seq, id, at, body FROM events WHERE seq > ? AND hook = ? ORDER BY seq LIMIT 1",
				this.#delivered(),
				Hook.Send,
			)
			.toArray()[0];
		if (!row) return undefined;
		// The body begins {"type":…,"timestamp":…,"data":{"groupId":…,"version":…,"part":…,"parts":…: no need to parse it all.
		const parts = Number(row.body.slice(0, 200).match(/"parts":(\d+)/)?.[1] ?? 1);
		return { ...row, version: Math.floor(row.seq / PART_BITS), part: row.seq % PART_BITS, parts };
	}

	/** The receiver took `message`. */
	acknowledge(message: Waiting): void {
		this.#ensureState();
		const complete = message.part === message.parts;
		this.#sql.exec(
			"UPDATE webhook_delivery SET delivered_seq = ?, delivered_version = CASE WHEN ? THEN ? ELSE delivered_version END, failing = 0",
			message.seq,
			complete ? 1 : 0,
			message.version,
		);
		this.#mark = message.seq;
	}

	/** `message` is given up: marked so in the history, counted, and passed. */
	giveUp(message: Waiting): void {
		this.#ensureState();
		this.#sql.exec("UPDATE events SET hook = ? WHERE seq = ?", Hook.GivenUp, message.seq);
		this.#sql.exec("UPDATE webhook_delivery SET delivered_seq = ?, given_up = given_up + 1", message.seq);
		this.#mark = message.seq;
	}

	/** A try failed: why, and when. */
	failed(error: string, at: number): void {
		this.#ensureState();
		this.#sql.exec("UPDATE webhook_delivery SET last_error = ?, at = ?, failing = 1", error.slice(0, 500), at);
	}

	status(): WebhookStatus {
		const state = this.#state();
		const { n } = this.#sql
			.exec<{ n: number }>("SELECT count(*) AS n FROM events WHERE seq > ? AND hook = ?", this.#delivered(), Hook.Send)
			.one();
		return {
			pending: n,
			...(state?.delivered_version != null && { deliveredVersion: state.delivered_version }),
			givenUp: state?.given_up ?? 0,
			...(state?.last_error != null && {
				lastError: state.last_error,
				lastErrorAt: state.at ?? 0,
				lastErrorCurrent: state.failing === 1,
			}),
		};
	}

	/**
	 * Messages after `after` (a seq), oldest first: each one's JSON with its
	 * `id` (the webhook-id) and, for messages meant for the webhook, `webhook`:
	 * pending, delivered or given_up. `next` is the seq to continue after.
	 */
	page(after: number, limit: number): Page<string> {
		const rows = this.#sql.exec<{ seq: number; id: string; hook: number; body: string }>(
			"SELECT seq, id, hook, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
			after,
			limit + 1,
		);
		const delivered = this.#delivered();
		const items: string[] = [];
		let bytes = 0;
		let last = after;
		let more = false;
		for (const row of rows) {
			if (items.length === limit || (items.length > 0 && bytes + row.body.length > PAGE_BYTES)) {
				more = true;
				break;
			}
			const webhook =
				row.hook === Hook.None
					? ""
					: `,"webhook":"${row.hook === Hook.GivenUp ? "given_up" : row.seq > delivered ? "pending" : "delivered"}"`;
			items.push(`{"id":"${row.id}"${webhook},${row.body.slice(1)}`);
			bytes += row.body.length;
			last = row.seq;
		}
		return more ? { items, next: cursorOf(last) } : { items };
	}

	#oldest(): number | null {
		if (this.#oldestAt === undefined) {
			this.#oldestAt = this.#sql.exec<{ at: number }>("SELECT at FROM events ORDER BY seq LIMIT 1").toArray()[0]?.at ?? null;
		}
		return this.#oldestAt;
	}

	#delivered(): number {
		this.#mark ??= this.#state()?.delivered_seq ?? 0;
		return this.#mark;
	}

	#state() {
		return this.#sql
			.exec<{
				delivered_seq: number;
				delivered_version: number | null;
				given_up: number;
				last_error: string | null;
				at: number | null;
				failing: number;
			}>("SELECT delivered_seq, delivered_version, given_up, last_error, at, failing FROM webhook_delivery")
			.toArray()[0];
	}

	#ensureState(): void {
		this.#sql.exec("INSERT OR IGNORE INTO webhook_delivery (singleton, delivered_seq) VALUES (1, 0)");
	}
}

/** A history page's cursor: `<version>.<part>` of its last message. */
export const cursorOf = (seq: number) => `${Math.floor(seq / PART_BITS)}.${seq % PART_BITS}`;
export const HISTORY_CURSOR = /^\d{1,12}\.\d{1,5}$/;
/** The seq a cursor continues after; undefined for one no page returns (out of range). */
export function seqOfCursor(cursor: string): number | undefined {
	const [version = 0, part = 0] = cursor.split(".").map(Number);
	return version < 2 ** 37 && part < PART_BITS ? seqOf(version, part) : undefined;
}
