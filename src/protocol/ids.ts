import { ErrorCode, fail, ok, type Outcome } from "./errors";

/** Longest user id we accept, in UTF-8 bytes. */
export const MAX_USER_ID_BYTES = 128;

const utf8 = new TextEncoder();
// C0 controls, DEL and C1 controls: invisible in logs and unsafe in StarRTC's lists.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// Minted ids are positive decimal integers that fit a JS number exactly.
const GROUP_ID = /^[1-9][0-9]{0,15}$/;

function userIdProblem(id: string): string | undefined {
	if (id === "") return "is empty";
	if (id.includes(",")) return "holds a comma";
	if (CONTROL.test(id)) return "holds a control character";
	// A lone surrogate cannot be stored as UTF-8, so it would not round-trip.
	if (!id.isWellFormed()) return "holds an unpaired surrogate";
	if (id.length > MAX_USER_ID_BYTES / 3 && utf8.encode(id).length > MAX_USER_ID_BYTES) {
		return `is longer than ${MAX_USER_ID_BYTES} bytes`;
	}
	return undefined;
}

/** One user id, trimmed. */
export function parseUserId(field: string, text: string): Outcome<string> {
	const id = text.trim();
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
		const id = entry.trim();
		if (id === "") continue;
		const problem = userIdProblem(id);
		if (problem) return fail(ErrorCode.MalformedArgument, `an id in ${field} ${problem}`);
		ids.add(id);
	}
	return ok([...ids]);
}

/** A group id as minted by the id counter: a decimal integer string. */
export function parseGroupId(text: string): Outcome<string> {
	const id = text.trim();
	if (!GROUP_ID.test(id) || !Number.isSafeInteger(Number(id))) {
		return fail(ErrorCode.MalformedArgument, "groupId is not a group id (a decimal integer)");
	}
	return ok(id);
}
