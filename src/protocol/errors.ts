/**
 * Every way a callback can fail. Each code has our own precise name (logs, the
 * `X-AEC-Error` header, the README) and the StarRTC error-table entry that goes
 * in the answer's `data`. StarRTC's servers crash on a failure `data` outside
 * their table (1–100), so only entries verified against the real servers are
 * used here; see protocol.md.
 */
export const ErrorCode = {
	MalformedArgument: "MALFORMED_ARGUMENT",
	BadJson: "BAD_JSON",
	BadSign: "BAD_SIGN",
	UnsignedRefused: "UNSIGNED_REFUSED",
	StaleCallback: "STALE_CALLBACK",
	UnknownAction: "UNKNOWN_ACTION",
	UnknownGroup: "UNKNOWN_GROUP",
	PermissionDenied: "PERMISSION_DENIED",
	GroupFull: "GROUP_FULL",
	RemoveCreator: "REMOVE_CREATOR",
	NotAMember: "NOT_A_MEMBER",
	RequestTooLarge: "REQUEST_TOO_LARGE",
	MethodNotAllowed: "METHOD_NOT_ALLOWED",
	NotFound: "NOT_FOUND",
	UpstreamFailure: "UPSTREAM_FAILURE",
	InternalError: "INTERNAL_ERROR",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** StarRTC error-table entries we answer with (the name the client SDK shows). */
const StarRtcError = {
	InternalError: "1", // GEN_ERRID_INTERNALL_ERR
	GroupNotSynced: "47", // GROUPPUSH_ERRID_GROUPID_NOT_SYNC
	UserNotInGroup: "49", // GROUPPUSH_ERRID_USERID_IS_NOT_IN_GROUP
	AgentAuthFailed: "53", // GROUPPUSH_ERRID_AGENT_AUTH_FAILED
	AgentAuthJsonError: "54", // GROUPPUSH_ERRID_AGENT_AUTH_JSON_ERR
	PostParamError: "62", // ASOCKSRV_ERRID_HTTP_POST_PARAM_ERR
} as const;

/** The one table that maps a failure to what StarRTC sees and to an HTTP status. */
export const errorTable: Record<ErrorCode, { starrtc: string; http: number }> = {
	MALFORMED_ARGUMENT: { starrtc: StarRtcError.PostParamError, http: 400 },
	BAD_JSON: { starrtc: StarRtcError.AgentAuthJsonError, http: 400 },
	BAD_SIGN: { starrtc: StarRtcError.AgentAuthFailed, http: 401 },
	UNSIGNED_REFUSED: { starrtc: StarRtcError.AgentAuthFailed, http: 401 },
	STALE_CALLBACK: { starrtc: StarRtcError.AgentAuthFailed, http: 401 },
	UNKNOWN_ACTION: { starrtc: StarRtcError.PostParamError, http: 400 },
	UNKNOWN_GROUP: { starrtc: StarRtcError.GroupNotSynced, http: 404 },
	PERMISSION_DENIED: { starrtc: StarRtcError.AgentAuthFailed, http: 403 },
	GROUP_FULL: { starrtc: StarRtcError.PostParamError, http: 409 },
	REMOVE_CREATOR: { starrtc: StarRtcError.AgentAuthFailed, http: 403 },
	NOT_A_MEMBER: { starrtc: StarRtcError.UserNotInGroup, http: 403 },
	REQUEST_TOO_LARGE: { starrtc: StarRtcError.PostParamError, http: 413 },
	METHOD_NOT_ALLOWED: { starrtc: StarRtcError.PostParamError, http: 405 },
	NOT_FOUND: { starrtc: StarRtcError.PostParamError, http: 404 },
	UPSTREAM_FAILURE: { starrtc: StarRtcError.InternalError, http: 502 },
	INTERNAL_ERROR: { starrtc: StarRtcError.InternalError, http: 500 },
};

/** An expected failure. It crosses RPC as a value: a thrown error would not keep its code. */
export interface Failure {
	readonly ok: false;
	readonly code: ErrorCode;
	/** For the operator (log line); never sent to StarRTC. */
	readonly reason: string;
}
export type Outcome<T> = { readonly ok: true; readonly value: T } | Failure;

export const ok = <T>(value: T): Outcome<T> => ({ ok: true, value });
export const fail = (code: ErrorCode, reason: string): Failure => ({ ok: false, code, reason });
