import { readSettings, type SettingsSource } from "../config";
import { ErrorCode, fail, ok, type Outcome } from "../protocol/errors";
import { callObject } from "../group/rpc";
import { iso } from "../shared/time";
import type { ListedGroup } from "./group-registry";
import { registryShard } from "./summary";

/** A group as a listing shows it: `GET /v1/groups`'s item, `createdAt` in ISO 8601. */
export type GroupListing = Omit<ListedGroup, "createdAt"> & { readonly createdAt: string };

/** A listing's page, as `GET /v1/groups` answers it: groups in numeric id order; `next` (absent on the last page) is where the next page starts. */
export interface GroupsPage {
	readonly groups: GroupListing[];
	readonly next?: string;
}

/** A listing cursor: the id of the last group of the previous page (opaque to callers). */
export const GROUPS_CURSOR = /^\d{1,16}$/;

/**
 * One page of every group, for the API (`GET /v1/groups`) and for in-Worker use
 * (the backups): up to `limit` groups with ids above `cursor`, merged from every
 * registry shard. Each shard answers its first `limit + 1` groups above the
 * cursor in id order; the first `limit` of their merge are the page, and any
 * left over means another page. A group is listed once (pages only move up in
 * id) and none that exists throughout a listing is missed; groups made during
 * it have higher ids and come on later pages.
 */
export async function listGroups(env: SettingsSource, cursor: string | undefined, limit: number): Promise<Outcome<GroupsPage>> {
	if (cursor !== undefined && !GROUPS_CURSOR.test(cursor)) return fail(ErrorCode.MalformedArgument, "cursor is not a group listing cursor");
	const after = cursor === undefined ? 0 : Number(cursor);
	const shards = readSettings(env).registryShards;
	const answers = await Promise.all(
		Array.from({ length: shards }, (_, n) => callObject(() => env.REGISTRY.getByName(registryShard(n)).page(after, limit + 1))),
	);
	const merged: ListedGroup[] = [];
	for (const answer of answers) {
		if (!answer.ok) return answer;
		merged.push(...answer.value);
	}
	// Each shard's list is sorted already; with a few shards a sort of the whole is as quick as a heap.
	merged.sort((a, b) => Number(a.groupId) - Number(b.groupId));
	const groups = merged.slice(0, limit).map((g) => ({ ...g, createdAt: iso(g.createdAt) }));
	const last = groups.at(-1);
	return ok(merged.length > limit && last ? { groups, next: last.groupId } : { groups });
}
