// With its extension: bench/user-index.ts loads this file in Node, which finds no module without one.
import { fnv1a } from "../shared/hash.ts";
/**
 * What a group tells the user index: the new state of some members of one
 * group, as of one version of that group. Deltas are idempotent and carry the
 * group's version, so the index applies each (group, user) change only when it
 * is newer than what it holds: repeats and late deliveries change nothing.
 */
export interface MembershipDelta {
	readonly groupId: string;
	/** The group's version right after the change; strictly increasing per group. */
	readonly version: number;
	/** When the change committed (ms); a joiner's join time. */
	readonly at: number;
	readonly name: string;
	readonly creator: string;
	/** The group is gone: every member listed is out, and the group shows nowhere. */
	readonly deleted: boolean;
	readonly users: readonly MemberState[];
}

/**
 * [userId, state]: a user's place in the group after the change; with a join time (ms) when the
 * change gives one (an import or restore of known join times), which then replaces the index's.
 */
export type MemberState = readonly [userId: string, state: Membership, joinedAt?: number];

export const Membership = { Out: 0, In: 1, InWithDnd: 2 } as const;
export type Membership = (typeof Membership)[keyof typeof Membership];

/** A group as a user's list shows it. */
export interface UserGroup {
	readonly groupId: string;
	readonly name: string;
	readonly creator: string;
	readonly doNotDisturb: boolean;
	readonly joinedAt: number;
}

/** One page of a list; `next` is the cursor of the following page, absent on the last. */
export interface Page<T> {
	readonly items: T[];
	readonly next?: string;
}

/**
 * The index shard that holds a user's groups: FNV-1a of the id's UTF-8 bytes,
 * modulo the shard count. Stable, so the count must not change once data exists.
 */
export function shardOf(userId: string, shards: number): string {
	return `shard-${fnv1a(userId) % shards}`;
}
