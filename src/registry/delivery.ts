import { readSettings } from "../config";
import type { Destination } from "../group/outbox";
import { type GroupSummary, registryShardOf } from "./summary";

// The newest version the registry acknowledged. What waits is derived: the
// group's version (written by every change, in its transaction) above this
// one. So a change costs the registry no row of its own, a burst of changes
// sends one summary (the newest, taken when it is sent), and a group made by
// an earlier release (no row here) registers on its first wake.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS registry_acked (
	singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
	version INTEGER NOT NULL
);
`;

/**
 * The group registry as a destination of a group's outbox: after each change,
 * the group's summary goes to its registry shard, and the version sent is
 * recorded once the shard applied it. Shards apply by version, so a summary
 * sent twice (a crash between the two) changes nothing.
 */
export class RegistryDelivery implements Destination {
	readonly #sql: SqlStorage;
	readonly #env: Env;
	readonly #summary: () => GroupSummary;
	readonly #version: () => number;

	/** `summary`: the group's summary now; `version`: its stored version (a deleted group's tombstone's). */
	constructor(sql: SqlStorage, env: Env, summary: () => GroupSummary, version: () => number) {
		this.#sql = sql;
		this.#env = env;
		this.#summary = summary;
		this.#version = version;
	}

	makeSchema(): void {
		this.#sql.exec(SCHEMA);
	}

	/** The registry forgets what it acknowledged, so the summary is sent again (the backfill). */
	resend(): void {
		this.#sql.exec("DELETE FROM registry_acked");
	}

	waiting(): boolean {
		return this.#version() > this.#acked();
	}

	async deliver(): Promise<boolean> {
		try {
			const summary = this.#summary();
			const shard = registryShardOf(summary.groupId, readSettings(this.#env).registryShards);
			const applied = await this.#env.REGISTRY.getByName(shard).apply([summary]);
			if (!applied.ok) throw new Error(applied.reason);
			// A change made meanwhile has a higher version: it waits for the next round.
			this.#sql.exec(
				"INSERT INTO registry_acked VALUES (1, ?) ON CONFLICT (singleton) DO UPDATE SET version = max(version, excluded.version)",
				summary.version,
			);
			return true;
		} catch (error) {
			console.log(JSON.stringify({ outbox: "registry", outcome: "RETRY", reason: String(error).slice(0, 200) }));
			return false;
		}
	}

	/** -1 before the first acknowledgement: even a version-0 group is sent once. */
	#acked(): number {
		return this.#sql.exec<{ version: number }>("SELECT version FROM registry_acked").toArray()[0]?.version ?? -1;
	}
}
