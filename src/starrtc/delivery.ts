import type { Destination } from "../group/outbox";
import type { StarRtcNews } from "./calls";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS starrtc_delivery (
	singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
	last_error TEXT NOT NULL,
	at INTEGER NOT NULL,
	failing INTEGER NOT NULL DEFAULT 0
);
`;

/** The outbox destination of what StarRTC's groupPushHttpProxy must learn. */
const STARRTC = "starrtc";

/** A row for StarRTC: the news, and the group version it brought. */
interface StarRtcRow {
	readonly version: number;
	readonly news: StarRtcNews;
}

/** Sends one row's news to StarRTC; undefined when the proxy took it (or nobody is to be told), else why not. */
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

/**
 * StarRTC's proxy as a destination of a group's outbox: one row per app-made
 * change, sent one at a time, in order, as the group is when sent (teller.ts).
 */
export class StarRtcDelivery implements Destination {
	readonly #sql: SqlStorage;
	readonly #send: StarRtcSender;

	constructor(sql: SqlStorage, send: StarRtcSender) {
		this.#sql = sql;
		this.#send = send;
	}

	makeSchema(): void {
		this.#sql.exec(SCHEMA);
		// Groups of earlier releases lack the column: their last error counts as not current until the next try.
		if (!this.#sql.exec("SELECT 1 FROM pragma_table_info('starrtc_delivery') WHERE name = 'failing'").toArray().length) {
			this.#sql.exec("ALTER TABLE starrtc_delivery ADD COLUMN failing INTEGER NOT NULL DEFAULT 0");
		}
	}

	/** Records what StarRTC must learn of an app-made change. Call inside the change's transaction. */
	tell(version: number, news: StarRtcNews): void {
		const row: StarRtcRow = { version, news };
		this.#sql.exec("INSERT INTO outbox (destination, payload) VALUES (?, ?)", STARRTC, JSON.stringify(row));
	}

	/** Rows waiting for StarRTC; the oldest one's version less one is what StarRTC is known to hold. */
	status(): StarRtcStatus {
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

	waiting(): boolean {
		return this.#sql.exec("SELECT 1 FROM outbox WHERE destination = ? LIMIT 1", STARRTC).toArray().length > 0;
	}

	/** Sends the rows one at a time, in order, until none is left or one fails. */
	async deliver(): Promise<boolean> {
		for (;;) {
			let error: string | undefined;
			try {
				const row = this.#sql
					.exec<{ seq: number; payload: string }>("SELECT seq, payload FROM outbox WHERE destination = ? ORDER BY seq LIMIT 1", STARRTC)
					.toArray()[0];
				if (!row) return true;
				error = await this.#send((JSON.parse(row.payload) as StarRtcRow).news);
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
}
