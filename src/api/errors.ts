import type { Context } from "hono";
import { ErrorCode, type Failure } from "../protocol/errors";

/**
 * Every way an API request can fail: the `code` of the JSON error body, and the
 * HTTP status. The API answers apps and browsers, not StarRTC, so statuses mean
 * what they say here (unlike the AEC callbacks, which are always 200).
 */
export const ApiError = {
	TokenMissing: "TOKEN_MISSING",
	TokenMalformed: "TOKEN_MALFORMED",
	TokenAlgorithmRefused: "TOKEN_ALGORITHM_REFUSED",
	TokenBadSignature: "TOKEN_BAD_SIGNATURE",
	TokenExpired: "TOKEN_EXPIRED",
	TokenNotYetValid: "TOKEN_NOT_YET_VALID",
	TokenClaimsMissing: "TOKEN_CLAIMS_MISSING",
	Forbidden: "FORBIDDEN",
	BadRequest: "BAD_REQUEST",
	UnknownGroup: "UNKNOWN_GROUP",
	NotAMember: "NOT_A_MEMBER",
	NoSuchMember: "NO_SUCH_MEMBER",
	GroupFull: "GROUP_FULL",
	RemoveCreator: "REMOVE_CREATOR",
	GroupExists: "GROUP_EXISTS",
	GroupDeleted: "GROUP_DELETED",
	StarRtcOff: "STARRTC_PROXY_OFF",
	StarRtcRefused: "STARRTC_REFUSED",
	GroupIdsExhausted: "GROUP_IDS_EXHAUSTED",
	NotFound: "NOT_FOUND",
	InternalError: "INTERNAL_ERROR",
} as const;
export type ApiError = (typeof ApiError)[keyof typeof ApiError];

export const apiStatus = {
	TOKEN_MISSING: 401,
	TOKEN_MALFORMED: 401,
	TOKEN_ALGORITHM_REFUSED: 401,
	TOKEN_BAD_SIGNATURE: 401,
	TOKEN_EXPIRED: 401,
	TOKEN_NOT_YET_VALID: 401,
	TOKEN_CLAIMS_MISSING: 401,
	FORBIDDEN: 403,
	BAD_REQUEST: 400,
	UNKNOWN_GROUP: 404,
	NOT_A_MEMBER: 403,
	NO_SUCH_MEMBER: 404,
	GROUP_FULL: 409,
	REMOVE_CREATOR: 409,
	GROUP_EXISTS: 409,
	GROUP_DELETED: 410,
	STARRTC_PROXY_OFF: 503,
	STARRTC_REFUSED: 502,
	GROUP_IDS_EXHAUSTED: 503,
	NOT_FOUND: 404,
	INTERNAL_ERROR: 500,
} as const satisfies Record<ApiError, number>;

/** An API refusal, carried as a value until it becomes a response. */
export class ApiFailure {
	constructor(
		readonly code: ApiError,
		readonly message: string,
	) {}
}

/** A group object's failure, as the API names it: for a reading user, or for the app changing the group. */
export function fromGroupFailure({ code, reason }: Failure, forApp = false): ApiFailure {
	if (code === ErrorCode.UnknownGroup) return new ApiFailure(ApiError.UnknownGroup, "no such group");
	if (code === ErrorCode.NotAMember) {
		return forApp ? new ApiFailure(ApiError.NoSuchMember, reason) : new ApiFailure(ApiError.NotAMember, "only members of the group may read it");
	}
	if (code === ErrorCode.GroupFull) return new ApiFailure(ApiError.GroupFull, reason);
	if (code === ErrorCode.GroupIdsExhausted) return new ApiFailure(ApiError.GroupIdsExhausted, reason);
	if (code === ErrorCode.RemoveCreator) return new ApiFailure(ApiError.RemoveCreator, reason);
	return new ApiFailure(ApiError.InternalError, reason);
}

/** One log line per refusal, whichever shape answers it. */
function logRefusal(c: Context, { code, message }: ApiFailure): void {
	console.log(JSON.stringify({ api: c.req.path.slice(0, 128), outcome: code, reason: message.slice(0, 200) }));
}

/** The one JSON error body: `{"error":{"code":"…","message":"…"}}`. */
export function errorResponse(c: Context, failure: ApiFailure): Response {
	logRefusal(c, failure);
	return c.json({ error: { code: failure.code, message: failure.message } }, apiStatus[failure.code]);
}

/** `{"status":0,"data":"<why>"}`: how the sample refuses, read by the demo apps. */
export function demoFailure(c: Context, failure: ApiFailure, status: 200 | 401 | 403 = 200): Response {
	logRefusal(c, failure);
	return c.json({ status: 0, data: failure.message }, status);
}

