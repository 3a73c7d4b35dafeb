import type { ReplayGuard } from "./types";

/** Expired replay records are deleted at most this often per object. */
const REPLAY_PRUNE_MS = 60_000;

/**
 * The callbacks a group applied recently (`recent_callbacks`, made with the
 * group's tables), by the digest of their data: an exact repeat within its
 * window is answered without being applied again.
 */
export class ReplayCache {
	readonly #storage: DurableObjectStorage;
	#prunedAt = 0;

	constructor(storage: DurableObjectStorage) {
		this.#storage = storage;
	}

	/** Whether this exact callback was applied here within its window. */
	isReplay(replay: ReplayGuard | undefined): boolean {
		if (!replay) return false;
		const seen = this.#storage.sql
			.exec<{ received_at: number }>("SELECT received_at FROM recent_callbacks WHERE callback_key = ?", replay.key)
			.toArray()[0];
		return seen !== undefined && seen.received_at >= Date.now() - replay.keepMs;
	}

	/** A callback that changed nothing is still remembered, so its replay stays void too. */
	remember(replay: ReplayGuard | undefined): void {
		if (replay) this.#storage.transactionSync(() => this.record(replay));
	}

	/** Records a callback; called inside the transaction of the change it made. */
	record(replay: ReplayGuard): void {
		const now = Date.now();
		if (now - this.#prunedAt > REPLAY_PRUNE_MS) {
			this.#storage.sql.exec("DELETE FROM recent_callbacks WHERE received_at < ?", now - replay.keepMs);
			this.#prunedAt = now;
		}
		this.#storage.sql.exec("INSERT OR REPLACE INTO recent_callbacks VALUES (?, ?)", replay.key, now);
	}
}
