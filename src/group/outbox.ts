/**
 * The group's outbox: what its changes imply for others, written in the same
 * transaction as the change, delivered after the answer until acknowledged.
 *
 * One loop, several destinations (the list in destinations.ts): each destination
 * keeps its own rows and knows how to deliver them; this loop decides when.
 * Delivery starts right after a change (`kick`), again when an object wakes with
 * rows left (`resume`), and from the alarm, the durable safety net stored with
 * the change. A destination whose try failed is tried again by the alarm with
 * backoff; the others go on meanwhile, so a receiver that is down never holds
 * up another destination.
 */

/** One receiver of a group's outbox rows. */
export interface Destination {
	/** Its tables, made with the group's own (never for a group that does not exist). */
	makeSchema(): void;
	/** Whether anything waits for it. A read. */
	waiting(): boolean;
	/**
	 * Delivers what waits, in its own order and batches, deleting (or marking)
	 * what its receiver acknowledged. True when nothing failed; a failure is
	 * kept, recorded and logged by the destination, and tried again later.
	 */
	deliver(): Promise<boolean>;
}

/** The outbox's own table: rows for the destinations that keep theirs here (index shards, StarRTC). */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS outbox (
	seq INTEGER PRIMARY KEY,
	destination TEXT NOT NULL,
	payload TEXT NOT NULL
);
`;

const MAX_BACKOFF_MS = 5 * 60 * 1000;
/**
 * Rows are delivered at once, right after the change is answered; the alarm is
 * the durable safety net that delivers them after a crash or a failure. It is
 * set this far ahead when the first change of a while arms it, so a busy group
 * pays for one alarm per this long, not one per change.
 */
const SAFETY_NET_MS = 10_000;

/** A delay of 1 s doubling per failure up to 5 min, each between half and all of it. */
function backoff(failures: number): number {
	const delay = Math.min(1000 * 2 ** (failures - 1), MAX_BACKOFF_MS);
	return delay / 2 + Math.random() * (delay / 2);
}

export class Outbox {
	readonly #ctx: DurableObjectState;
	readonly #destinations: readonly Destination[];
	/** An alarm is set and has not run yet (as far as this instance knows). */
	#armed = false;
	/** Failed tries in a row, per destination. */
	readonly #failures = new Map<Destination, number>();
	/** The delivery under way, per destination: one at a time each. */
	readonly #running = new Map<Destination, Promise<boolean>>();

	constructor(ctx: DurableObjectState, destinations: readonly Destination[]) {
		this.#ctx = ctx;
		this.#destinations = destinations;
	}

	/** The outbox's tables and every destination's, made with the group's own. */
	makeSchema(): void {
		this.#ctx.storage.sql.exec(SCHEMA);
		for (const destination of this.#destinations) destination.makeSchema();
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
		if (this.#destinations.some((destination) => destination.waiting())) this.kick();
	}

	/** The alarm: whatever is left is delivered; a failure re-arms it with backoff. True when nothing is left. */
	async alarm(): Promise<boolean> {
		this.#armed = false;
		return this.#deliver();
	}

	/**
	 * Every destination delivers until nothing waits for it or a try fails. A
	 * destination already delivering is waited for, not started twice: rows that
	 * come in meanwhile go in its next round (a round ends by looking for rows
	 * left, with no await after it). After a failure the alarm's backoff decides
	 * when to try again: the shortest of the failed destinations'.
	 */
	async #deliver(): Promise<boolean> {
		const results = await Promise.all(this.#destinations.map((destination) => this.#run(destination)));
		const failed = this.#destinations.filter((_, i) => !results[i]);
		if (failed.length) {
			const delay = Math.min(...failed.map((destination) => backoff(this.#failures.get(destination) ?? 1)));
			this.#arm(delay, true);
		}
		return failed.length === 0;
	}

	#run(destination: Destination): Promise<boolean> {
		const running = this.#running.get(destination);
		if (running) return running;
		// Forgotten once settled: `finally` runs later than this `set`, even when nothing waited.
		const run = this.#loop(destination).finally(() => this.#running.delete(destination));
		this.#running.set(destination, run);
		return run;
	}

	async #loop(destination: Destination): Promise<boolean> {
		try {
			while (destination.waiting()) {
				if (!(await destination.deliver())) {
					this.#failures.set(destination, (this.#failures.get(destination) ?? 0) + 1);
					return false;
				}
				this.#failures.delete(destination);
			}
			return true;
		} catch (error) {
			// A destination logs its own failures; this is one it did not foresee (its read failed).
			this.#failures.set(destination, (this.#failures.get(destination) ?? 0) + 1);
			console.log(JSON.stringify({ outbox: "read", outcome: "RETRY", reason: String(error).slice(0, 200) }));
			return false;
		}
	}

	#arm(delayMs: number, force = false): void {
		if (this.#armed && !force) return;
		this.#armed = true;
		// Not awaited: the output gate holds the answer until the alarm is stored.
		void this.#ctx.storage.setAlarm(Date.now() + delayMs);
	}
}
