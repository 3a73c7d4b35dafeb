import type { ImportedGroup } from "../group/types";
import { ApiError, ApiFailure } from "./errors";
import { emptyOr, groupName, userIdParam } from "./params";

const badRequest = (message: string) => new ApiFailure(ApiError.BadRequest, message);

/** A time: ms since 1970 (an integer from 0), or a date Date.parse reads (ISO 8601); otherwise undefined. */
function time(value: unknown): number | undefined {
	const ms = typeof value === "number" ? value : typeof value === "string" ? Date.parse(value) : Number.NaN;
	return Number.isSafeInteger(ms) && ms >= 0 ? ms : undefined;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

type Members = Pick<ImportedGroup, "members" | "doNotDisturb" | "joinedAt">;

/**
 * An export line's members: `{userId, doNotDisturb?, joinedAt?}` each, in join
 * order. `joinedAt` null (unknown) is kept as null; absent, the member joins at
 * the import time. Other keys are ignored, as the line's `version` is.
 */
function memberObjects(list: unknown[], body: Record<string, unknown>): Members {
	if (body.doNotDisturb !== undefined)
		throw badRequest("with members as objects, DND is each member's doNotDisturb, not a doNotDisturb list");
	const members: string[] = [];
	const doNotDisturb: string[] = [];
	const joinedAt = new Map<string, number | null>();
	const seen = new Set<string>();
	for (const item of list) {
		if (!isObject(item)) throw badRequest("members must be all user ids or all objects {userId, doNotDisturb?, joinedAt?}");
		const userId = userIdParam(typeof item.userId === "string" ? item.userId : "", "a member's userId");
		if (seen.has(userId)) throw badRequest(`member ${userId} is listed twice`);
		seen.add(userId);
		members.push(userId);
		if (item.doNotDisturb !== undefined && typeof item.doNotDisturb !== "boolean")
			throw badRequest("a member's doNotDisturb must be true or false");
		if (item.doNotDisturb === true) doNotDisturb.push(userId);
		if (item.joinedAt === null) joinedAt.set(userId, null);
		else if (item.joinedAt !== undefined) {
			const at = time(item.joinedAt);
			if (at === undefined) throw badRequest(`member ${userId}: joinedAt must be a time (ms since 1970, or an ISO date) or null`);
			joinedAt.set(userId, at);
		}
	}
	return { members, doNotDisturb, joinedAt };
}

/**
 * The body of `PUT /v1/groups/{groupId}`: the import shape (`members` and
 * `doNotDisturb` as id lists) or an export line as `GET /v1/groups/{id}/export`
 * writes it (`members` as objects with DND and join time). A `groupId` in the
 * body, as an export line has, must be the path's.
 */
export function importBody(body: Record<string, unknown>, groupId: string, maxGroupMembers: number): ImportedGroup {
	if (body.groupId !== undefined && body.groupId !== groupId) throw badRequest(`the body's groupId is not the path's (${groupId})`);
	const creator = userIdParam(typeof body.creator === "string" ? body.creator : "", "creator");
	const name = groupName(body.name);
	const createdAt = time(body.createdAt);
	if (createdAt === undefined) throw badRequest("createdAt must be a time (ms since 1970, or an ISO date)");
	const listed = body.members;
	const objects = Array.isArray(listed) && listed.some((item) => typeof item !== "string");
	const members: Members = objects
		? memberObjects(listed, body)
		: { members: emptyOr(listed, "members"), doNotDisturb: emptyOr(body.doNotDisturb, "doNotDisturb") };
	if (new Set([creator, ...members.members]).size > maxGroupMembers) {
		throw new ApiFailure(ApiError.GroupFull, `more than ${maxGroupMembers} members`);
	}
	return { groupId, creator, name, createdAt, ...members };
}
