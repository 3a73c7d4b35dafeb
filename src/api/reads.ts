import { type Context, Hono } from "hono";
import type { SettingsSource, Settings } from "../config";
import { callObject } from "../group/rpc";
import type { Outcome } from "../protocol/errors";
import { shardOf, type UserGroup } from "../user-index/membership";
import { USER_GROUPS_CURSOR } from "../user-index/user-index";
import type { ApiEnv } from "./api";
import type { Caller } from "./auth";
import { ApiError, ApiFailure, demoFailure, errorResponse, fromGroupFailure } from "./errors";
import { MAX_LIMIT, cursorParam, groupIdParam, iso, limitParam, userIdParam } from "./params";

/** A member page's cursor: the join number of the last member seen. */
const MEMBER_CURSOR = /^\d{1,16}$/;

/** The app reads anything; a user reads only what is theirs; nobody else reads. */
function mayReadUser(caller: Caller, userId: string): ApiFailure | undefined {
	if (caller.kind === "app" || (caller.kind === "user" && caller.userId === userId)) return undefined;
	return caller.kind === "user"
		? new ApiFailure(ApiError.Forbidden, "a user token reads only its own user's groups")
		: new ApiFailure(ApiError.TokenMissing, "this route needs Authorization: Bearer <API_TOKEN or user token>");
}
/** For a group: the app, or (checked by the group) a member. */
function groupReader(caller: Caller): string | undefined | ApiFailure {
	if (caller.kind === "app") return undefined;
	if (caller.kind === "user") return caller.userId;
	return new ApiFailure(ApiError.TokenMissing, "this route needs Authorization: Bearer <API_TOKEN or user token>");
}

/** An object's failure as the API names it (the group's, or the index's). */
async function fromGroup<T>(outcome: Promise<Outcome<T>>): Promise<T | ApiFailure> {
	const settled = await outcome;
	return settled.ok ? settled.value : fromGroupFailure(settled);
}

/** Every group a user is in, in the order they joined them, page after page from their index shard. */
async function allGroupsOf(env: SettingsSource, settings: Settings, userId: string): Promise<UserGroup[] | ApiFailure> {
	const shard = env.USER_INDEX.getByName(shardOf(userId, settings.indexShards));
	const groups: UserGroup[] = [];
	let after: string | undefined;
	do {
		const page = await callObject(() => shard.groupsOf(userId, MAX_LIMIT, after));
		if (!page.ok) return new ApiFailure(ApiError.InternalError, page.reason);
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
	if (userId instanceof ApiFailure) return errorResponse(c, userId);
	if (limit instanceof ApiFailure) return errorResponse(c, limit);
	if (cursor instanceof ApiFailure) return errorResponse(c, cursor);
	const denied = mayReadUser(c.var.caller, userId);
	if (denied) return errorResponse(c, denied);
	const shard = c.env.USER_INDEX.getByName(shardOf(userId, c.var.settings.indexShards));
	const page = await fromGroup(callObject(() => shard.groupsOf(userId, limit, cursor)));
	if (page instanceof ApiFailure) return errorResponse(c, page);
	return c.json({
		userId,
		groups: page.items.map((g) => ({ groupId: g.groupId, name: g.name, creator: g.creator, doNotDisturb: g.doNotDisturb, joinedAt: iso(g.joinedAt) })),
		...(page.next ? { next: page.next } : {}),
	});
});

reads.get("/v1/groups/:groupId", async (c) => {
	const groupId = groupIdParam(c.req.param("groupId"));
	if (groupId instanceof ApiFailure) return errorResponse(c, groupId);
	const reader = groupReader(c.var.caller);
	if (reader instanceof ApiFailure) return errorResponse(c, reader);
	const info = await fromGroup(callObject(() => c.env.GROUPS.getByName(groupId).describe(reader)));
	if (info instanceof ApiFailure) return errorResponse(c, info);
	return c.json({ ...info, createdAt: iso(info.createdAt) });
});

reads.get("/v1/groups/:groupId/members", async (c) => {
	const groupId = groupIdParam(c.req.param("groupId"));
	const limit = limitParam(c.req.query("limit"));
	const cursor = cursorParam(c.req.query("cursor"), MEMBER_CURSOR);
	if (groupId instanceof ApiFailure) return errorResponse(c, groupId);
	if (limit instanceof ApiFailure) return errorResponse(c, limit);
	if (cursor instanceof ApiFailure) return errorResponse(c, cursor);
	const reader = groupReader(c.var.caller);
	if (reader instanceof ApiFailure) return errorResponse(c, reader);
	// -1: before the first join number.
	const after = Number(cursor ?? -1);
	const page = await fromGroup(callObject(() => c.env.GROUPS.getByName(groupId).memberPage(limit, after, reader)));
	if (page instanceof ApiFailure) return errorResponse(c, page);
	return c.json({ groupId, members: page.items, ...(page.next ? { next: page.next } : {}) });
});


// ---- The StarRTC demo apps' two URLs, in the sample server's shapes ----

/** The demo URLs carry no token in the StarRTC apps: open only with PUBLIC_READS, else a token reads its own. */
function demoReader(c: Context<ApiEnv>, userId: string): ApiFailure | undefined {
	if (c.var.caller.kind === "anonymous" && c.var.settings.publicReads) return undefined;
	return mayReadUser(c.var.caller, userId);
}

const demoParam = (c: Context, name: string) => c.req.query(name);

reads.on("GET", ["/group/list.php", "/group/list"], async (c) => {
	const userId = userIdParam(demoParam(c, "userId"));
	if (userId instanceof ApiFailure) return demoFailure(c, new ApiFailure(ApiError.BadRequest, "missing args"));
	const denied = demoReader(c, userId);
	if (denied) return demoFailure(c, denied, denied.code === ApiError.Forbidden ? 403 : 401);
	const groups = await allGroupsOf(c.env, c.var.settings, userId);
	if (groups instanceof ApiFailure) return demoFailure(c, groups);
	return c.json({ status: 1, data: groups.map((g) => ({ groupName: g.name, creator: g.creator, groupId: g.groupId })) });
});

reads.on("GET", ["/group/members.php", "/group/members"], async (c) => {
	const userId = userIdParam(demoParam(c, "userId"));
	const groupId = groupIdParam(demoParam(c, "groupId"));
	if (userId instanceof ApiFailure || groupId instanceof ApiFailure) {
		return demoFailure(c, new ApiFailure(ApiError.BadRequest, "missing args"));
	}
	const denied = demoReader(c, userId);
	if (denied) return demoFailure(c, denied, denied.code === ApiError.Forbidden ? 403 : 401);
	const view = await fromGroup(callObject(() => c.env.GROUPS.getByName(groupId).memberView(userId)));
	if (view instanceof ApiFailure) return demoFailure(c, new ApiFailure(view.code, `${groupId}:${view.message}`));
	return c.json({ status: 1, data: { userIdList: view.userIdList, isIgnore: view.isIgnore ? "1" : "0" } });
});
