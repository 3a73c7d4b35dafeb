import { readSettings, type SettingsSource } from "../config";
import { COUNTER_NAME } from "../counter/group-id-counter";
import { callObject } from "../group/rpc";
import { ok, type Outcome } from "../protocol/errors";

/** Ids one backfill call walks at most: each is one object call, and a Worker's calls per request are bounded. */
export const MAX_BACKFILL_IDS = 500;
/** Group objects called at once. */
const PARALLEL_CALLS = 6;

/** What one backfill call did: the ids it walked, the groups it found there, and where to go on. */
export interface BackfillReport {
	readonly from: string;
	/** The last id walked; absent when `from` is above every id minted (nothing to walk). */
	readonly to?: string;
	/** Groups found (and registered again); ids never created (or deleted) are not counted. */
	readonly registered: number;
	/** Ids whose object call failed: walk them again. */
	readonly failed: string[];
	/** The `from` of the next call; absent once the highest id minted was walked. */
	readonly next?: string;
}

/**
 * The one-time backfill of the group registry (docs/operations.md "The group
 * registry"): wakes the group objects of up to `count` ids from `from` (at most
 * up to the highest id the counter has minted or been raised to), and each
 * group found sends its summary to the registry through its outbox. An id with
 * no group writes nothing. Safe to repeat: the registry keeps only newer versions.
 */
export async function backfill(env: SettingsSource, from: number | undefined, count: number): Promise<Outcome<BackfillReport>> {
	const start = from ?? readSettings(env).groupIdStart;
	const highest = await callObject(async () => ok(await env.GROUP_IDS.getByName(COUNTER_NAME).highestGroupId()));
	if (!highest.ok) return highest;
	const end = Math.min(start + count - 1, highest.value);
	if (end < start) return ok({ from: String(start), registered: 0, failed: [] });
	const ids = Array.from({ length: end - start + 1 }, (_, i) => String(start + i));
	let registered = 0;
	const failed: string[] = [];
	const queue = [...ids];
	const worker = async () => {
		for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
			const answer = await callObject(() => env.GROUPS.getByName(id).register());
			if (!answer.ok) failed.push(id);
			else if (answer.value) registered++;
		}
	};
	await Promise.all(Array.from({ length: Math.min(PARALLEL_CALLS, ids.length) }, worker));
	failed.sort((a, b) => Number(a) - Number(b));
	return ok({ from: String(start), to: String(end), registered, failed, ...(end < highest.value ? { next: String(end + 1) } : {}) });
}
