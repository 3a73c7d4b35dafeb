import { type Context, Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { COUNTER_NAME } from "../counter/group-id-counter";
import type { GroupObject } from "../group/group-object";
import type { GroupState } from "../group/types";
import { callObject } from "../group/rpc";
import { MAX_BODY_BYTES } from "../protocol/callback";
import type { Outcome } from "../protocol/errors";
import { sha256Hex } from "../shared/digest";
import { MAX_MESSAGE_BYTES, type ProxyCall, callProxy } from "../starrtc/proxy";
import type { ApiEnv } from "./env";
import { ApiError, ApiFailure, fromGroup } from "./errors";
import { MAX_BACKFILL_IDS, backfill } from "../registry/backfill";
import { importBody } from "./import";
import { emptyOr, groupIdParam, groupName, userIdParam, userIdsField } from "./params";

const utf8 = new TextEncoder();

/**
 * The app's own changes (`Authorization: Bearer <API_TOKEN>` only). The app is
 * the authority: the creator/member permission rules of the callbacks do not
 * apply; the id rules, the member limit, "never remove the creator", all or
 * nothing and "no revival after delete" do. StarRTC is told afterwards through
 * the group's outbox; the answer does not wait for it.
 */
export const admin = new Hono<ApiEnv>();

const bounded = bodyLimit({
	maxSize: MAX_BODY_BYTES,
	onError: () => {
		throw new ApiFailure(ApiError.BadRequest, "body over 4 MiB");
	},
});

/** Every admin route starts here: the app's token first, so nobody else makes it read a body; then at most MAX_BODY_BYTES. */
const appOnly: MiddlewareHandler<ApiEnv> = async (c, next) => {
	if (c.var.caller.kind === "user") throw new ApiFailure(ApiError.Forbidden, "only the app's backend (API_TOKEN) changes groups");
	if (c.var.caller.kind === "anonymous") throw new ApiFailure(ApiError.TokenMissing, "this route needs Authorization: Bearer <API_TOKEN>");
	return bounded(c, next);
};

async function jsonBody(c: Context): Promise<Record<string, unknown>> {
	try {
		const body: unknown = await c.req.json();
		if (typeof body === "object" && body !== null && !Array.isArray(body)) return body as Record<string, unknown>;
	} catch {}
	throw new ApiFailure(ApiError.BadRequest, "the body must be a JSON object");
}

const group = (c: Context<ApiEnv>, groupId: string) => c.env.GROUPS.getByName(groupId);
const counter = (c: Context<ApiEnv>) => c.env.GROUP_IDS.getByName(COUNTER_NAME);

/** Runs one change on the path's group and answers its new state. */
async function change(c: Context<ApiEnv>, run: (group: DurableObjectStub<GroupObject>) => Promise<Outcome<GroupState>>) {
	const groupId = groupIdParam(c.req.param("groupId"));
	return c.json(
		await fromGroup(
			callObject(() => run(group(c, groupId))),
			true,
		),
	);
}

/** A body field `userIds`, as a list. */
async function usersOf(c: Context<ApiEnv>): Promise<string[]> {
	const users = userIdsField((await jsonBody(c)).userIds);
	if (users.length > c.var.settings.maxGroupMembers) {
		throw new ApiFailure(ApiError.GroupFull, `${users.length} ids; a group holds at most ${c.var.settings.maxGroupMembers}`);
	}
	return users;
}

admin.post("/v1/groups", appOnly, async (c) => {
	const body = await jsonBody(c);
	const creator = userIdParam(typeof body.creator === "string" ? body.creator : "", "creator");
	const listed = emptyOr(body.members, "members");
	const name = groupName(body.name);
	// The creator is always a member, and the first one, as with a create callback.
	const members = [creator, ...listed.filter((id) => id !== creator)];
	const limit = c.var.settings.maxGroupMembers;
	if (members.length > limit) throw new ApiFailure(ApiError.GroupFull, `${members.length} members; the limit is ${limit}`);
	// A retried create with the same Idempotency-Key finds its group, as a resent create callback does.
	// The same key with another creator, members or name is no retry: 422, as in the IETF Idempotency-Key draft.
	const createKey = `app:${await sha256Hex(c.req.header("Idempotency-Key") ?? crypto.randomUUID())}`;
	const fingerprint = await sha256Hex(JSON.stringify([creator, members, name]));
	const created = await callObject(() =>
		counter(c).createGroup({ creator, members, userDefineData: name, createKey, origin: "app" }, fingerprint),
	);
	const groupId = await fromGroup(created, true);
	return c.json(
		await fromGroup(
			callObject(() => group(c, groupId).state()),
			true,
		),
		201,
	);
});

/**
 * Import: a group from another AEC server (the StarRTC sample) under its own id,
 * or an export line back (a restore). The id counter is raised above it first,
 * so ids minted here never meet it. `?overwrite=true` replaces a group that is
 * here with other content; `?revive=true` restores a group deleted here.
 */
admin.put("/v1/groups/:groupId", appOnly, async (c) => {
	const groupId = groupIdParam(c.req.param("groupId"));
	const imported = importBody(await jsonBody(c), groupId, c.var.settings.maxGroupMembers);
	await fromGroup(
		callObject(() => counter(c).raiseAbove(groupId)),
		true,
	);
	const mode = { overwrite: c.req.query("overwrite") === "true", revive: c.req.query("revive") === "true" };
	const { result, version } = await fromGroup(
		callObject(() => group(c, groupId).importGroup(imported, mode)),
		true,
	);
	if (result === "conflict")
		throw new ApiFailure(ApiError.GroupExists, `group ${groupId} is here with other content; ?overwrite=true replaces it`);
	if (result === "deleted") {
		throw new ApiFailure(ApiError.GroupDeleted, `group ${groupId} was deleted here; only ?revive=true (restoring a backup) brings it back`);
	}
	return c.json({ groupId, result, version }, result === "created" || result === "revived" ? 201 : 200);
});

admin.post("/v1/groups/:groupId/members", appOnly, async (c) => {
	const users = await usersOf(c);
	return change(c, (group) => group.appAddMembers(users));
});

admin.post("/v1/groups/:groupId/members/remove", appOnly, async (c) => {
	const users = await usersOf(c);
	return change(c, (group) => group.appRemoveMembers(users));
});

/** A change to the path's member. */
function oneMember(c: Context<ApiEnv>, run: (userId: string) => (group: DurableObjectStub<GroupObject>) => Promise<Outcome<GroupState>>) {
	return change(c, run(userIdParam(c.req.param("userId"))));
}

admin.delete("/v1/groups/:groupId/members/:userId", appOnly, (c) => oneMember(c, (id) => (group) => group.appRemoveMembers([id])));
admin.put("/v1/groups/:groupId/members/:userId/dnd", appOnly, (c) => oneMember(c, (id) => (group) => group.appSetDoNotDisturb(id, true)));
admin.delete("/v1/groups/:groupId/members/:userId/dnd", appOnly, (c) =>
	oneMember(c, (id) => (group) => group.appSetDoNotDisturb(id, false)),
);
admin.delete("/v1/groups/:groupId", appOnly, (c) => change(c, (group) => group.appDeleteGroup()));

/**
 * An operator's resync: StarRTC's proxy gets the group's whole state now (syncGroupList),
 * and what still waits in the outbox for StarRTC is tried again at once. No body.
 */
admin.post("/v1/groups/:groupId/starrtc/resync", appOnly, async (c) => {
	const groupId = groupIdParam(c.req.param("groupId"));
	if (c.var.settings.starrtcProxyUrl === undefined) throw new ApiFailure(ApiError.StarRtcOff, "STARRTC_PROXY_URL is not set");
	const { version } = await fromGroup(
		callObject(() => group(c, groupId).resyncStarRtc()),
		true,
	);
	return c.json({ groupId, version, resynced: true });
});

/**
 * The one-time backfill of the group registry for groups stored by earlier
 * releases (docs/operations.md "The group registry"): `?from=<id>` (default
 * GROUP_ID_START) and `?count=` ids (1 to 500, default 100) per call; the
 * answer's `next` is the following call's `from`.
 */
admin.post("/v1/registry/backfill", appOnly, async (c) => {
	const from = c.req.query("from");
	const count = c.req.query("count");
	if (count !== undefined && (!/^\d{1,3}$/.test(count) || Number(count) < 1 || Number(count) > MAX_BACKFILL_IDS)) {
		throw new ApiFailure(ApiError.BadRequest, `count must be an integer from 1 to ${MAX_BACKFILL_IDS}`);
	}
	const start = from === undefined ? undefined : Number(groupIdParam(from));
	return c.json(await fromGroup(backfill(c.env, start, count === undefined ? 100 : Number(count)), true));
});

// ---- Messages from the app's backend: relayed to the proxy at once, its verdict answered. ----

/** `msg` and `digest`: both required (without a digest clients receive garbage), `msg` at most 8 KB. */
function message(body: Record<string, unknown>): { msg: string; digest: string } {
	const { msg, digest } = body;
	if (typeof msg !== "string" || msg === "" || typeof digest !== "string" || digest === "") {
		throw new ApiFailure(ApiError.BadRequest, "msg and digest must be non-empty strings");
	}
	if (utf8.encode(msg).length > MAX_MESSAGE_BYTES) throw new ApiFailure(ApiError.BadRequest, `msg is over ${MAX_MESSAGE_BYTES} bytes`);
	return { msg, digest };
}

/** Sends one message call; a group groupServer does not hold (yet) is given its whole state first, then the call again. */
async function relay(c: Context<ApiEnv>, call: ProxyCall, groupId?: string): Promise<Response> {
	const { starrtcProxyUrl: url, starrtcTimeoutMs: timeout } = c.var.settings;
	if (url === undefined) throw new ApiFailure(ApiError.StarRtcOff, "STARRTC_PROXY_URL is not set");
	let verdict = await callProxy(url, call, timeout);
	if (!verdict.ok && verdict.notSynced && groupId !== undefined) {
		const synced = await callObject(() => group(c, groupId).resyncStarRtc());
		if (synced.ok) verdict = await callProxy(url, call, timeout);
	}
	if (!verdict.ok) throw new ApiFailure(ApiError.StarRtcRefused, verdict.error);
	return c.json({ sent: true });
}

admin.post("/v1/groups/:groupId/messages", appOnly, async (c) => {
	const groupId = groupIdParam(c.req.param("groupId"));
	const content = message(await jsonBody(c));
	await fromGroup(
		callObject(() => group(c, groupId).state()),
		true,
	);
	return relay(c, { name: "pushGroupMsg", params: { groupId, ...content } }, groupId);
});

admin.post("/v1/messages", appOnly, async (c) => {
	const body = await jsonBody(c);
	// Never an empty toUsers: the real proxy crashes on it.
	const toUsers = userIdsField(body.toUsers, "toUsers");
	const content = message(body);
	return relay(c, { name: "pushSystemMsgToUsers", params: { toUsers: toUsers.join(","), ...content } });
});
