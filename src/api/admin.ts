import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { GroupState } from "../group/group-object";
import { callObject } from "../group/rpc";
import type { Outcome } from "../protocol/errors";
import { MAX_MESSAGE_BYTES, type ProxyCall, callProxy } from "../starrtc/proxy";
import type { ApiEnv } from "./api";
import { ApiError, ApiFailure, errorResponse, fromGroupFailure } from "./errors";
import { groupIdParam, userIdParam, userIdsField } from "./params";

const COUNTER_NAME = "ids";
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const MAX_NAME_BYTES = 64 * 1024;
const utf8 = new TextEncoder();

/**
 * The app's own changes (`Authorization: Bearer <API_TOKEN>` only). The app is
 * the authority: the creator/member permission rules of the callbacks do not
 * apply; the id rules, the member limit, "never remove the creator", all or
 * nothing and "no revival after delete" do. StarRTC is told afterwards through
 * the group's outbox; the answer does not wait for it.
 */
export const admin = new Hono<ApiEnv>();

// "/v1/groups/*" takes "/v1/groups" (the create) too.
admin.use("/v1/groups/*", bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => errorResponse(c, new ApiFailure(ApiError.BadRequest, "body over 4 MiB")) }));

const appOnly = (c: Context<ApiEnv>): ApiFailure | undefined =>
	c.var.caller.kind === "app"
		? undefined
		: c.var.caller.kind === "user"
			? new ApiFailure(ApiError.Forbidden, "only the app's backend (API_TOKEN) changes groups")
			: new ApiFailure(ApiError.TokenMissing, "this route needs Authorization: Bearer <API_TOKEN>");

/** What the routes with a group and a body start with: the app's token, the path's group id, the JSON body. */
async function appRequest(c: Context<ApiEnv>): Promise<{ groupId: string; body: Record<string, unknown> } | ApiFailure> {
	const denied = appOnly(c);
	if (denied) return denied;
	const groupId = groupIdParam(c.req.param("groupId"));
	if (groupId instanceof ApiFailure) return groupId;
	const body = await jsonBody(c);
	return body instanceof ApiFailure ? body : { groupId, body };
}

/** An optional list of ids: absent or [] is empty. */
function emptyOr(value: unknown, name: string): string[] | ApiFailure {
	return value === undefined || (Array.isArray(value) && value.length === 0) ? [] : userIdsField(value, name);
}

function groupName(value: unknown): string | ApiFailure {
	const name = value ?? "";
	if (typeof name !== "string" || utf8.encode(name).length > MAX_NAME_BYTES) {
		return new ApiFailure(ApiError.BadRequest, "name must be a string of at most 64 KiB");
	}
	return name;
}

async function jsonBody(c: Context): Promise<Record<string, unknown> | ApiFailure> {
	try {
		const body: unknown = await c.req.json();
		if (typeof body === "object" && body !== null && !Array.isArray(body)) return body as Record<string, unknown>;
	} catch {}
	return new ApiFailure(ApiError.BadRequest, "the body must be a JSON object");
}

/** Runs one change on a group and answers its new state, or the failure. */
async function change(c: Context<ApiEnv>, run: (group: DurableObjectStub<import("../group/group-object").GroupObject>) => Promise<Outcome<GroupState>>) {
	const denied = appOnly(c);
	if (denied) return errorResponse(c, denied);
	const groupId = groupIdParam(c.req.param("groupId"));
	if (groupId instanceof ApiFailure) return errorResponse(c, groupId);
	const done = await callObject(() => run(c.env.GROUPS.getByName(groupId)));
	return done.ok ? c.json(done.value) : errorResponse(c, fromGroupFailure(done, true));
}

/** A body field `userIds`, or the path's `userId`, as a list. */
async function usersOf(c: Context<ApiEnv>): Promise<string[] | ApiFailure> {
	const body = await jsonBody(c);
	if (body instanceof ApiFailure) return body;
	const users = userIdsField(body.userIds);
	if (!(users instanceof ApiFailure) && users.length > c.var.settings.maxGroupMembers) {
		return new ApiFailure(ApiError.GroupFull, `${users.length} ids; a group holds at most ${c.var.settings.maxGroupMembers}`);
	}
	return users;
}

admin.post("/v1/groups", async (c) => {
	const denied = appOnly(c);
	if (denied) return errorResponse(c, denied);
	const body = await jsonBody(c);
	if (body instanceof ApiFailure) return errorResponse(c, body);
	const creator = userIdParam(typeof body.creator === "string" ? body.creator : "", "creator");
	if (creator instanceof ApiFailure) return errorResponse(c, creator);
	const listed = emptyOr(body.members, "members");
	if (listed instanceof ApiFailure) return errorResponse(c, listed);
	const name = groupName(body.name);
	if (name instanceof ApiFailure) return errorResponse(c, name);
	// The creator is always a member, and the first one, as with a create callback.
	const members = [creator, ...listed.filter((id) => id !== creator)];
	const limit = c.var.settings.maxGroupMembers;
	if (members.length > limit) return errorResponse(c, new ApiFailure(ApiError.GroupFull, `${members.length} members; the limit is ${limit}`));
	// A retried create with the same Idempotency-Key finds its group, as a resent create callback does.
	const key = c.req.header("Idempotency-Key") ?? crypto.randomUUID();
	const createKey = `app:${Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", utf8.encode(key))), (b) => b.toString(16).padStart(2, "0")).join("")}`;
	const counter = () => c.env.GROUP_IDS.getByName(COUNTER_NAME);
	const created = await callObject(() => counter().createGroup({ creator, members, userDefineData: name, createKey, origin: "app" }));
	if (!created.ok) return errorResponse(c, fromGroupFailure(created, true));
	const state = await callObject(() => c.env.GROUPS.getByName(created.value).state());
	return state.ok ? c.json(state.value, 201) : errorResponse(c, fromGroupFailure(state, true));
});

/**
 * Import: a group from another AEC server (the StarRTC sample) under its own id.
 * The id counter is raised above it first, so ids minted here never meet it.
 * `?overwrite=true` replaces a group that is here with other content.
 */
admin.put("/v1/groups/:groupId", async (c) => {
	const request = await appRequest(c);
	if (request instanceof ApiFailure) return errorResponse(c, request);
	const { groupId, body } = request;
	const creator = userIdParam(typeof body.creator === "string" ? body.creator : "", "creator");
	if (creator instanceof ApiFailure) return errorResponse(c, creator);
	const members = emptyOr(body.members, "members");
	if (members instanceof ApiFailure) return errorResponse(c, members);
	const doNotDisturb = emptyOr(body.doNotDisturb, "doNotDisturb");
	if (doNotDisturb instanceof ApiFailure) return errorResponse(c, doNotDisturb);
	const name = groupName(body.name);
	if (name instanceof ApiFailure) return errorResponse(c, name);
	const createdAt = typeof body.createdAt === "number" ? body.createdAt : typeof body.createdAt === "string" ? Date.parse(body.createdAt) : Number.NaN;
	if (!Number.isSafeInteger(createdAt) || createdAt < 0) {
		return errorResponse(c, new ApiFailure(ApiError.BadRequest, "createdAt must be a time (ms since 1970, or an ISO date)"));
	}
	const limit = c.var.settings.maxGroupMembers;
	if (new Set([creator, ...members]).size > limit) return errorResponse(c, new ApiFailure(ApiError.GroupFull, `more than ${limit} members`));
	const raised = await callObject(() => c.env.GROUP_IDS.getByName(COUNTER_NAME).raiseAbove(groupId));
	if (!raised.ok) return errorResponse(c, fromGroupFailure(raised, true));
	const overwrite = c.req.query("overwrite") === "true";
	const imported = await callObject(() =>
		c.env.GROUPS.getByName(groupId).importGroup({ groupId, creator, name, members, doNotDisturb, createdAt }, overwrite),
	);
	if (!imported.ok) return errorResponse(c, fromGroupFailure(imported, true));
	const { result, version } = imported.value;
	if (result === "conflict") return errorResponse(c, new ApiFailure(ApiError.GroupExists, `group ${groupId} is here with other content; ?overwrite=true replaces it`));
	if (result === "deleted") return errorResponse(c, new ApiFailure(ApiError.GroupDeleted, `group ${groupId} was deleted here and never comes back`));
	return c.json({ groupId, result, version }, result === "created" ? 201 : 200);
});

admin.post("/v1/groups/:groupId/members", async (c) => {
	const users = await usersOf(c);
	if (users instanceof ApiFailure) return errorResponse(c, users);
	return change(c, (group) => group.appAddMembers(users));
});

admin.post("/v1/groups/:groupId/members/remove", async (c) => {
	const users = await usersOf(c);
	if (users instanceof ApiFailure) return errorResponse(c, users);
	return change(c, (group) => group.appRemoveMembers(users));
});

function oneMember(c: Context<ApiEnv>, run: (userId: string) => (group: DurableObjectStub<import("../group/group-object").GroupObject>) => Promise<Outcome<GroupState>>) {
	const userId = userIdParam(c.req.param("userId"));
	if (userId instanceof ApiFailure) return errorResponse(c, userId);
	return change(c, run(userId));
}

admin.delete("/v1/groups/:groupId/members/:userId", (c) => oneMember(c, (id) => (group) => group.appRemoveMembers([id])));
admin.put("/v1/groups/:groupId/members/:userId/dnd", (c) => oneMember(c, (id) => (group) => group.appSetDoNotDisturb(id, true)));
admin.delete("/v1/groups/:groupId/members/:userId/dnd", (c) => oneMember(c, (id) => (group) => group.appSetDoNotDisturb(id, false)));
admin.delete("/v1/groups/:groupId", (c) => change(c, (group) => group.appDeleteGroup()));

// ---- Messages from the app's backend: relayed to the proxy at once, its verdict answered. ----

/** `msg` and `digest`: both required (without a digest clients receive garbage), `msg` at most 8 KB. */
function message(body: Record<string, unknown>): { msg: string; digest: string } | ApiFailure {
	const { msg, digest } = body;
	if (typeof msg !== "string" || msg === "" || typeof digest !== "string" || digest === "") {
		return new ApiFailure(ApiError.BadRequest, "msg and digest must be non-empty strings");
	}
	if (utf8.encode(msg).length > MAX_MESSAGE_BYTES) return new ApiFailure(ApiError.BadRequest, `msg is over ${MAX_MESSAGE_BYTES} bytes`);
	return { msg, digest };
}

/** Sends one message call; a group groupServer does not hold (yet) is given its whole state first, then the call again. */
async function relay(c: Context<ApiEnv>, call: ProxyCall, groupId?: string): Promise<Response> {
	const { starrtcProxyUrl: url, starrtcTimeoutMs: timeout } = c.var.settings;
	if (url === undefined) return errorResponse(c, new ApiFailure(ApiError.StarRtcOff, "STARRTC_PROXY_URL is not set"));
	let verdict = await callProxy(url, call, timeout);
	if (!verdict.ok && verdict.notSynced && groupId !== undefined) {
		const synced = await callObject(() => c.env.GROUPS.getByName(groupId).resyncStarRtc());
		if (synced.ok) verdict = await callProxy(url, call, timeout);
	}
	return verdict.ok ? c.json({ sent: true }) : errorResponse(c, new ApiFailure(ApiError.StarRtcRefused, verdict.error));
}

admin.post("/v1/groups/:groupId/messages", async (c) => {
	const request = await appRequest(c);
	if (request instanceof ApiFailure) return errorResponse(c, request);
	const { groupId, body } = request;
	const content = message(body);
	if (content instanceof ApiFailure) return errorResponse(c, content);
	const known = await callObject(() => c.env.GROUPS.getByName(groupId).state());
	if (!known.ok) return errorResponse(c, fromGroupFailure(known, true));
	return relay(c, { name: "pushGroupMsg", params: { groupId, ...content } }, groupId);
});

admin.post("/v1/messages", async (c) => {
	const denied = appOnly(c);
	if (denied) return errorResponse(c, denied);
	const body = await jsonBody(c);
	if (body instanceof ApiFailure) return errorResponse(c, body);
	// Never an empty toUsers: the real proxy crashes on it.
	const toUsers = userIdsField(body.toUsers, "toUsers");
	if (toUsers instanceof ApiFailure) return errorResponse(c, toUsers);
	const content = message(body);
	if (content instanceof ApiFailure) return errorResponse(c, content);
	return relay(c, { name: "pushSystemMsgToUsers", params: { toUsers: toUsers.join(","), ...content } });
});
