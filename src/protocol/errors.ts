/**
 * Every way a callback can fail. Each code has our own precise name (logs, the
 * `X-AEC-Error` header, docs/protocol.md "Error codes") and the StarRTC error-table entry that goes
 * in the answer's `data`. StarRTC's servers crash on a failure `data` outside
 * their table (1–100), so only entries verified against the real servers are
 * used here; see docs/protocol.md.
 */
export const ErrorCode = {
	MalformedArgument: "MALFORMED_ARGUMENT",
	BadJson: "BAD_JSON",
	RepeatedField: "REPEATED_FIELD",
	BadSign: "BAD_SIGN",
	UnsignedRefused: "UNSIGNED_REFUSED",
	StaleCallback: "STALE_CALLBACK",
	SourceNotAllowed: "SOURCE_NOT_ALLOWED",
	RateLimited: "RATE_LIMITED",
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
	GroupIdsExhausted: "GROUP_IDS_EXHAUSTED",
	/** The app's Idempotency-Key with other content; a callback's key is its data, so StarRTC never meets it. */
	KeyReused: "IDEMPOTENCY_KEY_REUSED",
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

/**
 * The one table that maps a failure to what StarRTC sees. There is no HTTP
 * status here: StarRTC reads the body of a 200 answer only, so every callback
 * answer is a 200 and our precise code travels in `X-AEC-Error` and the log.
 */
export const errorTable: Record<ErrorCode, string> = {
	MALFORMED_ARGUMENT: StarRtcError.PostParamError,
	BAD_JSON: StarRtcError.AgentAuthJsonError,
	// A key named twice is someone shaping `data` to speak for another user: refused like a permission.
	REPEATED_FIELD: StarRtcError.AgentAuthFailed,
	BAD_SIGN: StarRtcError.AgentAuthFailed,
	UNSIGNED_REFUSED: StarRtcError.AgentAuthFailed,
	STALE_CALLBACK: StarRtcError.AgentAuthFailed,
	SOURCE_NOT_ALLOWED: StarRtcError.AgentAuthFailed,
	RATE_LIMITED: StarRtcError.InternalError,
	UNKNOWN_ACTION: StarRtcError.PostParamError,
	UNKNOWN_GROUP: StarRtcError.GroupNotSynced,
	PERMISSION_DENIED: StarRtcError.AgentAuthFailed,
	GROUP_FULL: StarRtcError.PostParamError,
	REMOVE_CREATOR: StarRtcError.AgentAuthFailed,
	NOT_A_MEMBER: StarRtcError.UserNotInGroup,
	REQUEST_TOO_LARGE: StarRtcError.PostParamError,
	METHOD_NOT_ALLOWED: StarRtcError.PostParamError,
	NOT_FOUND: StarRtcError.PostParamError,
	UPSTREAM_FAILURE: StarRtcError.InternalError,
	GROUP_IDS_EXHAUSTED: StarRtcError.InternalError,
	IDEMPOTENCY_KEY_REUSED: StarRtcError.PostParamError,
	INTERNAL_ERROR: StarRtcError.InternalError,
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
