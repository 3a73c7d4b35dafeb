/**
 * The one checker for "StarRTC's servers take this answer" (docs/protocol.md): HTTP
 * 200 (they read no other), exact shapes, `status` first, no whitespace,
 * scalars as strings, a failure's `data` a decimal string naming an entry
 * 1–100 of StarRTC's error table, and `ignoreList` only when non-empty. StarRTC
 * does not decode JSON escapes, so no answer holds a `\u` escape (raw UTF-8
 * only) and member lists hold no escape at all. Every answer the tests see goes
 * through it.
 */
const STRING = String.raw`"(?:[^"\\\u0000-\u001f]|\\["\\/bfnrt])*"`;
const LIST = String.raw`"[^"\\\u0000-\u001f]*"`;
const SHAPES = [
	/^\{"status":"1"\}$/,
	new RegExp(`^\\{"status":"1","data":${STRING}\\}$`),
	new RegExp(`^\\{"status":"1","data":\\{"groupList":${LIST}(?:,"ignoreList":${LIST})?\\}\\}$`),
	/^\{"status":"0","data":"([1-9]|[1-9][0-9]|100)"\}$/,
];

export type NonCallbackStatus = 404 | 405 | 500;

export interface HttpAnswer {
	readonly status: number;
	readonly body: string;
}

function shapeProblem(body: string): string | undefined {
	// The regexes cannot see an empty ignoreList, which StarRTC refuses.
	if (!SHAPES.some((shape) => shape.test(body)) || body.includes(',"ignoreList":""')) {
		return `a body StarRTC's servers may not survive: ${body.slice(0, 300)}`;
	}
	return undefined;
}

/** An answer to a callback: a body StarRTC parses, sent with HTTP 200. */
export function assertStarRtcAnswer({ status, body }: HttpAnswer): void {
	const problem =
		shapeProblem(body) ?? (status === 200 ? undefined : `HTTP ${status}: StarRTC reads only 200 answers (${body.slice(0, 80)})`);
	if (problem) throw new Error(problem);
}

/** A request StarRTC never sends (another path or method): the status says so, the body is still safe. */
export function assertNonCallbackAnswer({ status, body }: HttpAnswer, expectedStatus: NonCallbackStatus): void {
	const problem = shapeProblem(body) ?? (status === expectedStatus ? undefined : `HTTP ${status}, expected ${expectedStatus}`);
	if (problem) throw new Error(problem);
}
