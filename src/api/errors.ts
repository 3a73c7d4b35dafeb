import type { Context } from "hono";
import { ConfigError } from "../config";
import { ErrorCode, type Failure, type Outcome } from "../protocol/errors";

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
	IdempotencyKeyReused: "IDEMPOTENCY_KEY_REUSED",
	StarRtcOff: "STARRTC_PROXY_OFF",
	StarRtcRefused: "STARRTC_REFUSED",
	GroupIdsExhausted: "GROUP_IDS_EXHAUSTED",
	NotFound: "NOT_FOUND",
	BadConfiguration: "BAD_CONFIGURATION",
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
	IDEMPOTENCY_KEY_REUSED: 422,
	STARRTC_PROXY_OFF: 503,
	STARRTC_REFUSED: 502,
	GROUP_IDS_EXHAUSTED: 503,
	NOT_FOUND: 404,
	BAD_CONFIGURATION: 500,
	INTERNAL_ERROR: 500,
} as const satisfies Record<ApiError, number>;

/** An API refusal: thrown where it is found, answered by the API's one onError (api.ts). */
export class ApiFailure extends Error {
	override name = "ApiFailure";
	constructor(
		readonly code: ApiError,
		message: string,
		/** For the log: more than the answer may say. */
		readonly reason = message,
	) {
		super(message);
	}
}

/** A group object's failure, as the API names it: for a reading user, or for the app changing the group. */
export function fromGroupFailure({ code, reason }: Failure, forApp = false): ApiFailure {
	if (code === ErrorCode.UnknownGroup) return new ApiFailure(ApiError.UnknownGroup, "no such group");
	if (code === ErrorCode.NotAMember) {
		return forApp
			? new ApiFailure(ApiError.NoSuchMember, reason)
			: new ApiFailure(ApiError.NotAMember, "only members of the group may read it");
	}
	if (code === ErrorCode.GroupFull) return new ApiFailure(ApiError.GroupFull, reason);
	if (code === ErrorCode.GroupIdsExhausted) return new ApiFailure(ApiError.GroupIdsExhausted, reason);
	if (code === ErrorCode.KeyReused) return new ApiFailure(ApiError.IdempotencyKeyReused, reason);
	if (code === ErrorCode.RemoveCreator) return new ApiFailure(ApiError.RemoveCreator, reason);
	// Only a group's resync reaches StarRTC's proxy from an object; its refusal is the proxy's.
	if (code === ErrorCode.UpstreamFailure) return new ApiFailure(ApiError.StarRtcRefused, reason);
	return new ApiFailure(ApiError.InternalError, reason);
}

/** What an object's call answered (a group's, the counter's, an index shard's); its failure is thrown as the API names it. */
export async function fromGroup<T>(outcome: Outcome<T> | Promise<Outcome<T>>, forApp = false): Promise<T> {
	const settled = await outcome;
	if (!settled.ok) throw fromGroupFailure(settled, forApp);
	return settled.value;
}

/** Whatever the API throws, as an ApiFailure: a bad setting is named (its value only logged), anything else is INTERNAL_ERROR. */
function failureOf(error: Error): ApiFailure {
	if (error instanceof ApiFailure) return error;
	if (error instanceof ConfigError) {
		return new ApiFailure(
			ApiError.BadConfiguration,
			`the setting ${error.variable} is not valid (GET /healthz names it; the log says why)`,
			String(error),
		);
	}
	return new ApiFailure(ApiError.InternalError, String(error));
}

/** The demo apps' URLs, answered in the sample server's shape. */
const isDemoPath = (path: string) => path.startsWith("/group/");

/**
 * The API's one answer to a refusal, with one log line. /v1: the JSON error body
 * `{"error":{"code":"…","message":"…"}}` with the code's status. The demo URLs:
 * `{"status":0,"data":"<why>"}`, as the sample refuses, read by the demo apps; 200
 * as there, but 401 for a token and 403 for another user's data.
 */
export function refusal(error: Error, c: Context): Response {
	const failure = failureOf(error);
	console.log(JSON.stringify({ api: c.req.path.slice(0, 128), outcome: failure.code, reason: failure.reason.slice(0, 200) }));
	if (!isDemoPath(c.req.path)) return c.json({ error: { code: failure.code, message: failure.message } }, apiStatus[failure.code]);
	const status = failure.code === ApiError.Forbidden ? 403 : apiStatus[failure.code] === 401 ? 401 : 200;
	return c.json({ status: 0, data: failure.message }, status);
}
