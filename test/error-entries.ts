/**
 * The table "Error codes" of docs/protocol.md: the StarRTC error-table entry each
 * of our codes is answered with. Written once for the tests (the model and the
 * hostile corpus), from the docs, not imported from src/.
 */

/** Refusals of a well-formed callback, decided by docs/protocol.md's rules. */
export const STARRTC_ENTRY = {
	MALFORMED_ARGUMENT: 62,
	BAD_JSON: 54,
	REPEATED_FIELD: 53,
	BAD_SIGN: 53,
	UNKNOWN_ACTION: 62,
	UNKNOWN_GROUP: 47,
	PERMISSION_DENIED: 53,
	REMOVE_CREATOR: 53,
	NOT_A_MEMBER: 49,
	GROUP_FULL: 62,
} as const;

/** Refusals of the HTTP edge, before any rule: too large, wrong method, wrong path. */
export const EDGE_ENTRY = {
	REQUEST_TOO_LARGE: 62,
	METHOD_NOT_ALLOWED: 62,
	NOT_FOUND: 62,
} as const;
