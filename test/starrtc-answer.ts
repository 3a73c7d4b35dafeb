/**
 * The one checker for "StarRTC's servers survive this answer" (protocol.md):
 * exact shapes, `status` first, no whitespace, scalars as strings, a failure's
 * `data` a decimal string naming an entry 1–100 of StarRTC's error table, and
 * `ignoreList` only when non-empty. Every answer the tests see goes through it.
 */
const STRING = String.raw`"(?:[^"\\\u0000-\u001f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"`;
const SHAPES = [
	/^\{"status":"1"\}$/,
	new RegExp(`^\\{"status":"1","data":${STRING}\\}$`),
	new RegExp(`^\\{"status":"1","data":\\{"groupList":${STRING}(?:,"ignoreList":${STRING})?\\}\\}$`),
	/^\{"status":"0","data":"([1-9]|[1-9][0-9]|100)"\}$/,
];

export function survivable(body: string): boolean {
	if (!SHAPES.some((shape) => shape.test(body))) return false;
	// The regexes above cannot see an empty ignoreList.
	return !body.includes(',"ignoreList":""');
}

export function assertSurvivable(body: string): void {
	if (!survivable(body)) throw new Error(`an answer StarRTC's servers may not survive: ${body.slice(0, 300)}`);
}
