import { fnv1a } from "../shared/hash";

/**
 * What the registry holds of one group: enough to list every group (and page
 * through them) without waking a single group object. A group's outbox sends
 * its newest summary after each change; the registry keeps only newer versions.
 */
export interface GroupSummary {
	readonly groupId: string;
	readonly name: string;
	readonly creator: string;
	/** ms since 1970. */
	readonly createdAt: number;
	readonly memberCount: number;
	/** The group's version when the summary was taken; a deleted group's is its tombstone's. */
	readonly version: number;
	/** The group is gone: the registry hides it and keeps only its id and version. */
	readonly deleted: boolean;
}

/** A deleted group's summary: its id and its tombstone's version. */
export const deletedSummary = (groupId: string, version: number): GroupSummary => ({
	groupId,
	name: "",
	creator: "",
	createdAt: 0,
	memberCount: 0,
	version,
	deleted: true,
});

/** The name of registry shard `n`. */
export const registryShard = (n: number): string => `registry-${n}`;

/**
 * The registry shard that holds a group: FNV-1a of the id's digits, modulo the
 * shard count (REGISTRY_SHARDS). Stable, so the count must not change once
 * groups are registered (docs/operations.md "The group registry").
 */
export function registryShardOf(groupId: string, shards: number): string {
	return registryShard(fnv1a(groupId) % shards);
}
