import { ErrorCode, fail, ok, type Outcome } from "./errors";

/** Longest user id we accept, in UTF-8 bytes. */
export const MAX_USER_ID_BYTES = 128;

const utf8 = new TextEncoder();
// C0 controls, DEL and C1 controls: invisible in logs and unsafe in StarRTC's lists.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// StarRTC's parser does not decode JSON escapes: a `"` in a listed id ends the list early
// (every later member is lost) and a `\` is kept doubled, so neither can be answered.
const UNANSWERABLE = /["\\]/;
// Characters that show as nothing or as a plain space, so two ids that look alike would
// differ: no-break and other Unicode spaces, zero-width characters and joiners, the soft
// hyphen, bidi controls, line/paragraph separators and the BOM (docs/protocol.md "User ids").
const INVISIBLE = /[\u00a0\u00ad\u061c\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u2064\u2066-\u2069\u3000\ufeff]/;
/**
 * The highest group id: minted and imported ids stay at or below it, so every id
 * the counter gives out is one every parser takes (a JS number holds it exactly;
 * StarRTC's servers keep ids as text and took 2^64-1 when measured).
 */
export const MAX_GROUP_ID = Number.MAX_SAFE_INTEGER;
// Positive decimal integers, at most 16 digits (MAX_GROUP_ID has 16).
const GROUP_ID = /^[1-9][0-9]{0,15}$/;
// Only ASCII spaces and tabs are padding; String.trim() would also eat a no-break space or a BOM.
const PADDING = /^[ \t]+|[ \t]+$/g;

const unpad = (text: string) => text.replace(PADDING, "");

function userIdProblem(id: string): string | undefined {
	if (id === "") return "is empty";
	if (id.includes(",")) return "holds a comma";
	if (UNANSWERABLE.test(id)) return "holds a quote or a backslash";
	if (CONTROL.test(id)) return "holds a control character";
	if (INVISIBLE.test(id)) return "holds an invisible character";
	// A lone surrogate cannot be stored as UTF-8, so it would not round-trip.
	if (!id.isWellFormed()) return "holds an unpaired surrogate";
	if (id.length > MAX_USER_ID_BYTES / 3 && utf8.encode(id).length > MAX_USER_ID_BYTES) {
		return `is longer than ${MAX_USER_ID_BYTES} bytes`;
	}
	return undefined;
}

/** One user id, with ASCII spaces and tabs trimmed. */
export function parseUserId(field: string, text: string): Outcome<string> {
	const id = unpad(text);
	const problem = userIdProblem(id);
	return problem ? fail(ErrorCode.MalformedArgument, `${field} ${problem}`) : ok(id);
}

/**
 * A comma-separated id list, the only list format of the protocol: entries are
 * trimmed, empty ones dropped and repeats merged, keeping first-seen order.
 */
export function parseIdList(field: string, text: string): Outcome<string[]> {
	const ids = new Set<string>();
	for (const entry of text.split(",")) {
		const id = unpad(entry);
		if (id === "") continue;
		const problem = userIdProblem(id);
		if (problem) return fail(ErrorCode.MalformedArgument, `an id in ${field} ${problem}`);
		ids.add(id);
	}
	return ok([...ids]);
}

/** A group id as minted by the id counter: a decimal integer string. */
export function parseGroupId(text: string): Outcome<string> {
	const id = unpad(text);
	if (!GROUP_ID.test(id) || Number(id) > MAX_GROUP_ID) {
		return fail(ErrorCode.MalformedArgument, `groupId is not a group id (a decimal integer from 1 to ${MAX_GROUP_ID})`);
	}
	return ok(id);
}
