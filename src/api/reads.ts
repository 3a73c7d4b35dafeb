import { type Context, Hono } from "hono";
import type { Settings, SettingsSource } from "../config";
import { HISTORY_CURSOR, seqOfCursor } from "../events/history";
import { callObject } from "../group/rpc";
import type { Outcome } from "../protocol/errors";
import { parseGroupId, parseUserId } from "../protocol/ids";
import { shardOf, type UserGroup } from "../user-index/membership";
import { USER_GROUPS_CURSOR } from "../user-index/user-index";
import { GROUPS_CURSOR, listGroups } from "../registry/listing";
import type { Caller } from "./auth";
import type { ApiEnv } from "./env";
import { ApiError, ApiFailure, fromGroup, fromGroupFailure } from "./errors";
import { MAX_LIMIT, cursorParam, groupIdParam, iso, limitParam, userIdParam, versionParam } from "./params";

/** A member page's cursor: the join number of the last member seen. */
const MEMBER_CURSOR = /^\d{1,16}$/;

const readersOnly = () => new ApiFailure(ApiError.TokenMissing, "this route needs Authorization: Bearer <API_TOKEN or user token>");

/** The app reads anything; a user reads only what is theirs; nobody else reads. */
function mayReadUser(caller: Caller, userId: string): void {
	if (caller.kind === "app" || (caller.kind === "user" && caller.userId === userId)) return;
	throw caller.kind === "user" ? new ApiFailure(ApiError.Forbidden, "a user token reads only its own user's groups") : readersOnly();
}
/** The app's only routes (a group's history and export, the list of every group): user tokens are refused. */
function appOnly(caller: Caller, what: string): void {
	if (caller.kind === "user") throw new ApiFailure(ApiError.Forbidden, `${what} for the app's backend (API_TOKEN) only`);
	if (caller.kind === "anonymous") throw new ApiFailure(ApiError.TokenMissing, "this route needs Authorization: Bearer <API_TOKEN>");
}
/** For a group: the app, or (checked by the group) a member. */
function groupReader(caller: Caller): string | undefined {
	if (caller.kind === "anonymous") throw readersOnly();
	return caller.kind === "user" ? caller.userId : undefined;
}

/** Every group a user is in, in the order they joined them, page after page from their index shard. */
async function allGroupsOf(env: SettingsSource, settings: Settings, userId: string): Promise<UserGroup[]> {
	const shard = env.USER_INDEX.getByName(shardOf(userId, settings.indexShards));
	const groups: UserGroup[] = [];
	let after: string | undefined;
	do {
		const page = await callObject(() => shard.groupsOf(userId, MAX_LIMIT, after));
		if (!page.ok) throw new ApiFailure(ApiError.InternalError, page.reason);
		groups.push(...page.value.items);
		after = page.value.next;
	} while (after);
	return groups;
}

/** Reads: users' groups, a group, its members; and the demo apps' two URLs. */
export const reads = new Hono<ApiEnv>();

reads.get("/v1/users/:userId/groups", async (c) => {
	const userId = userIdParam(c.req.param("userId"));
	const limit = limitParam(c.req.query("limit"));
	const cursor = cursorParam(c.req.query("cursor"), USER_GROUPS_CURSOR);
	mayReadUser(c.var.caller, userId);
	const shard = c.env.USER_INDEX.getByName(shardOf(userId, c.var.settings.indexShards));
	const page = await fromGroup(callObject(() => shard.groupsOf(userId, limit, cursor)));
	return c.json({
		userId,
		groups: page.items.map((g) => ({
			groupId: g.groupId,
			name: g.name,
			creator: g.creator,
			doNotDisturb: g.doNotDisturb,
			joinedAt: iso(g.joinedAt),
		})),
		...(page.next ? { next: page.next } : {}),
	});
});

/**
 * Every group, in numeric id order, from the group registry (docs/api.md
 * "Listing every group"); `next` is the cursor of the following page. The app's only.
 */
reads.get("/v1/groups", async (c) => {
	const limit = limitParam(c.req.query("limit"));
	const cursor = cursorParam(c.req.query("cursor"), GROUPS_CURSOR);
	appOnly(c.var.caller, "the list of every group is");
	return c.json(await fromGroup(listGroups(c.env, cursor, limit)));
});

reads.get("/v1/groups/:groupId", async (c) => {
	const groupId = groupIdParam(c.req.param("groupId"));
	const reader = groupReader(c.var.caller);
	const { starrtc, webhook, ...info } = await fromGroup(callObject(() => c.env.GROUPS.getByName(groupId).describe(reader)));
	// What StarRTC and the webhook receiver were sent, and their errors, are the app's business: its token only.
	return c.json({ ...info, createdAt: iso(info.createdAt), ...(c.var.caller.kind === "app" ? { starrtc, webhook } : {}) });
});

/**
 * The group's messages (docs/webhooks.md), oldest first: after a version
 * (`after`), or after the `next` of a previous page (`cursor`). The app's only.
 */
reads.get("/v1/groups/:groupId/events", async (c) => {
	const groupId = groupIdParam(c.req.param("groupId"));
	const limit = limitParam(c.req.query("limit"));
	const cursor = cursorParam(c.req.query("cursor"), HISTORY_CURSOR);
	const after = versionParam(c.req.query("after"), "after");
	appOnly(c.var.caller, "a group's history is");
	const from = cursor === undefined ? undefined : seqOfCursor(cursor);
	if (cursor !== undefined && from === undefined) throw new ApiFailure(ApiError.BadRequest, "cursor is not one this API returned");
	const page = await fromGroup(callObject(() => c.env.GROUPS.getByName(groupId).history(limit, after, from)));
	// The messages are stored as the JSON they were sent as: joined, not parsed again.
	const next = page.next === undefined ? "" : `,"next":${JSON.stringify(page.next)}`;
	return c.body(`{"groupId":"${groupId}","version":${page.version},"events":[${page.items.join(",")}]${next}}`, 200, {
		"Content-Type": "application/json",
	});
});

reads.get("/v1/groups/:groupId/members", async (c) => {
	const groupId = groupIdParam(c.req.param("groupId"));
	const limit = limitParam(c.req.query("limit"));
	const cursor = cursorParam(c.req.query("cursor"), MEMBER_CURSOR);
	const reader = groupReader(c.var.caller);
	// -1: before the first join number.
	const after = Number(cursor ?? -1);
	const page = await fromGroup(callObject(() => c.env.GROUPS.getByName(groupId).memberPage(limit, after, reader)));
	const members = page.items.map((m) => ({ ...m, joinedAt: m.joinedAt === null ? null : iso(m.joinedAt) }));
	return c.json({ groupId, members, ...(page.next ? { next: page.next } : {}) });
});

/** The whole group in one consistent snapshot: one line of an export file (docs/api.md "Export and restore"). The app's only. */
reads.get("/v1/groups/:groupId/export", async (c) => {
	const groupId = groupIdParam(c.req.param("groupId"));
	appOnly(c.var.caller, "a group's export is");
	return c.json(await fromGroup(callObject(() => c.env.GROUPS.getByName(groupId).exportGroup())));
});

// ---- The StarRTC demo apps' two URLs, in the sample server's shapes ----

/** The demo URLs carry no token in the StarRTC apps: open only with PUBLIC_READS, else a token reads its own. */
function demoReader(c: Context<ApiEnv>, userId: string): void {
	if (c.var.caller.kind === "anonymous" && c.var.settings.publicReads) return;
	mayReadUser(c.var.caller, userId);
}

/** A demo URL's id from the query: the sample's one refusal for any that is missing or bad. */
function demoArg(parsed: Outcome<string>): string {
	if (!parsed.ok) throw new ApiFailure(ApiError.BadRequest, "missing args");
	return parsed.value;
}

reads.on("GET", ["/group/list.php", "/group/list"], async (c) => {
	const userId = demoArg(parseUserId("userId", c.req.query("userId") ?? ""));
	demoReader(c, userId);
	const groups = await allGroupsOf(c.env, c.var.settings, userId);
	return c.json({ status: 1, data: groups.map((g) => ({ groupName: g.name, creator: g.creator, groupId: g.groupId })) });
});

reads.on("GET", ["/group/members.php", "/group/members"], async (c) => {
	const userId = demoArg(parseUserId("userId", c.req.query("userId") ?? ""));
	const groupId = demoArg(parseGroupId(c.req.query("groupId") ?? ""));
	demoReader(c, userId);
	const view = await callObject(() => c.env.GROUPS.getByName(groupId).memberView(userId));
	if (!view.ok) {
		const failure = fromGroupFailure(view);
		throw new ApiFailure(failure.code, `${groupId}:${failure.message}`);
	}
	return c.json({ status: 1, data: { userIdList: view.value.userIdList, isIgnore: view.value.isIgnore ? "1" : "0" } });
});
