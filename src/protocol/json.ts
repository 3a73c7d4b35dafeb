import { ErrorCode, fail, ok, type Outcome } from "./errors";

/** A JSON object, read so that no key can stand for two values. */
export type JsonObject = Readonly<Record<string, unknown>>;

/**
 * The one strict reading of a JSON object text: it must be an object and name no
 * key twice at any depth. JSON.parse (like PHP's json_decode) silently keeps the
 * last of two equal keys, and StarRTC pastes client text into `data` unescaped,
 * so `…"userId":"mallory","groupId":"1","userId":"alice"}` would let mallory act
 * as alice. Keys are compared decoded, so `"user\u0049d"` is `userId` too.
 */
export function parseJsonObject(text: string): Outcome<JsonObject> {
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		return fail(ErrorCode.BadJson, "is not JSON");
	}
	if (typeof value !== "object" || value === null || Array.isArray(value)) {
		return fail(ErrorCode.BadJson, "is not a JSON object");
	}
	const repeated = repeatedKey(text);
	if (repeated !== undefined) return fail(ErrorCode.RepeatedField, `names ${JSON.stringify(repeated.slice(0, 64))} twice`);
	return ok(value as JsonObject);
}

/**
 * The first key a JSON text names twice in one object, if any. Valid JSON only:
 * outside strings a `"` always opens a string token, and a string followed by `:`
 * is a key; `{` and `}` between tokens open and close an object.
 */
function repeatedKey(text: string): string | undefined {
	const keys: Set<string>[] = [];
	let depth = 0;
	let from = 0;
	for (const match of text.matchAll(/("(?:[^"\\]|\\.)*")(\s*:)?/g)) {
		for (const c of text.slice(from, match.index)) {
			if (c === "{") keys[++depth] = new Set();
			else if (c === "}") depth--;
		}
		from = match.index + match[0].length;
		if (!match[2]) continue;
		// Group 1 always takes part in a match.
		const key: string = JSON.parse(match[1] as string);
		const seen = keys[depth] ?? new Set();
		if (seen.has(key)) return key;
		seen.add(key);
	}
	return undefined;
}
