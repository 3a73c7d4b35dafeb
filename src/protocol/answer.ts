import { ErrorCode, type Failure, errorTable, fail } from "./errors";
import { parseJsonObject } from "./json";

/**
 * A group's members as StarRTC lists them: comma-joined, in join order, and the
 * members with DND on. Kept as joined text so it crosses RPC as two strings.
 */
export interface Roster {
	readonly groupList: string;
	readonly ignoreList: string;
}

/**
 * What we answer StarRTC. The bodies are built by hand, not by JSON.stringify of
 * an object, because StarRTC parses them byte for byte: `status` first, no
 * whitespace, every scalar a string, `ignoreList` only when non-empty.
 */
export interface Answer {
	readonly body: string;
	readonly error?: ErrorCode;
	/** Why it failed, for the log line only; StarRTC sees just the envelope. */
	readonly reason?: string;
}

const json = JSON.stringify;
// A failure StarRTC's servers survive names an entry 1–100 of their error table.
const TABLE_ENTRY = /^([1-9]|[1-9][0-9]|100)$/;
// Text JSON.stringify would write as a \u escape, which StarRTC does not decode.
const ESCAPED_AS_U = /[\u0000-\u001f]/;

const plainText = (value: unknown): value is string => typeof value === "string" && !ESCAPED_AS_U.test(value) && value.isWellFormed();

/**
 * An upstream answer in our canonical form, or undefined when it is not one of the
 * shapes we relay: `status` "1" or "0", nothing but `data` besides it, `data` a string
 * or an object of strings, and a failure naming an entry of StarRTC's table.
 */
function canonical(body: string): string | undefined {
	const parsed = parseJsonObject(body);
	if (!parsed.ok) return undefined;
	const { status, data, ...others } = parsed.value;
	if (Object.keys(others).length || (status !== "1" && status !== "0")) return undefined;
	if (status === "0") return plainText(data) && TABLE_ENTRY.test(data) ? `{"status":"0","data":"${data}"}` : undefined;
	if (data === undefined) return '{"status":"1"}';
	if (plainText(data)) return `{"status":"1","data":${json(data)}}`;
	if (typeof data !== "object" || data === null || Array.isArray(data)) return undefined;
	const entries = Object.entries(data);
	if (!entries.every(([key, text]) => plainText(key) && plainText(text))) return undefined;
	return `{"status":"1","data":{${entries.map(([key, text]) => `${json(key)}:${json(text)}`).join(",")}}}`;
}

export const Answer = {
	/** add / remove / DND / delete succeeded. */
	done: (): Answer => ({ body: '{"status":"1"}' }),

	/** A string result: a created group id, an access-validation echo, a push mode. */
	value: (text: string): Answer => ({ body: `{"status":"1","data":${json(text)}}` }),

	/**
	 * SYNC_ALL and every *_AND_SYNC_ALL. Ids hold no `"`, `\\` or control character
	 * (protocol/ids.ts), so the lists go in as they are: raw UTF-8, never escaped.
	 */
	roster: ({ groupList, ignoreList }: Roster): Answer => {
		const ignore = ignoreList ? `,"ignoreList":"${ignoreList}"` : "";
		return { body: `{"status":"1","data":{"groupList":"${groupList}"${ignore}}}` };
	},

	failure: ({ code, reason }: Failure): Answer => {
		return { body: `{"status":"0","data":"${errorTable[code]}"}`, error: code, reason };
	},

	/**
	 * An upstream AEC server's answer, re-written in our canonical form when it is
	 * one StarRTC can take. Anything else (a PHP error page, `"data":10001`, a
	 * repeated key, an extra key) could crash StarRTC's servers or read as success,
	 * so it becomes our own UPSTREAM_FAILURE.
	 */
	relay: (body: string): Answer => {
		const answer = canonical(body);
		if (answer !== undefined) return { body: answer };
		return Answer.failure(fail(ErrorCode.UpstreamFailure, `upstream answered ${json(body.slice(0, 80))}`));
	},
};

/**
 * The HTTP response for an answer. Always 200 for a callback: StarRTC's servers
 * read the body of a 200 only, and show any other status to the client as
 * "AEC URL unreachable". Only requests StarRTC never sends (another path or
 * method) get a 404 or 405.
 */
export function toResponse({ body, error }: Answer, status = 200): Response {
	const headers = new Headers({ "Content-Type": "application/json; charset=utf-8" });
	if (error) headers.set("X-AEC-Error", error);
	return new Response(body, { status, headers });
}
