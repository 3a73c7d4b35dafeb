import { type HttpAnswer, assertNonCallbackAnswer, assertStarRtcAnswer } from "../starrtc-answer";
import { sign } from "./dev-server";

export interface Answer extends HttpAnswer {
	readonly error: string | null;
}

/**
 * The one way the end-to-end tests read an answer over HTTP: every answer goes
 * through the shared checker (HTTP 200 and a byte-exact body), or, for a request
 * StarRTC never sends, the 404 or 405 it must get.
 */
export async function send(url: string, init: RequestInit = {}, nonCallbackStatus?: 404 | 405): Promise<Answer> {
	const response = await fetch(url, init);
	const answer = { status: response.status, body: await response.text(), error: response.headers.get("X-AEC-Error") };
	if (nonCallbackStatus) assertNonCallbackAnswer(answer, nonCallbackStatus);
	else assertStarRtcAnswer(answer);
	return answer;
}

/** Unix seconds, as StarRTC's servers put them first in every callback's data. */
export const unixNow = () => String(Math.floor(Date.now() / 1000));

/** A signed form POST, byte for byte as StarRTC's servers send it: a fresh `ts` first, unless the fields carry one. */
export function signedPost(token: string, fields: Record<string, unknown>, signWith = token): RequestInit {
	const data = JSON.stringify({ ts: unixNow(), ...fields });
	return {
		method: "POST",
		headers: { "Content-Type": "application/x-www-form-urlencoded", "User-Agent": "Mozilla/4.0", Accept: "*/*" },
		body: `data=${encodeURIComponent(data)}&sign=${encodeURIComponent(sign(signWith, data))}`,
	};
}

/** Posts a signed callback to `url`, as StarRTC's servers do, checks the answer and returns its body. */
export async function callback(url: string, token: string, fields: Record<string, unknown>, path = "/eventCenter"): Promise<string> {
	return (await send(`${url}${path}`, signedPost(token, fields))).body;
}

/**
 * As `callback`, for a server that may be killed meanwhile: undefined when the connection died
 * before a whole answer came; an answer that did come is still checked.
 */
export async function callbackUnlessCrashed(url: string, token: string, fields: Record<string, unknown>): Promise<string | undefined> {
	let answer: HttpAnswer;
	try {
		const response = await fetch(`${url}/eventCenter`, signedPost(token, fields));
		answer = { status: response.status, body: await response.text() };
	} catch {
		return undefined;
	}
	assertStarRtcAnswer(answer);
	return answer.body;
}

/** One call to the app's API with the API token: its status and JSON body. */
export async function apiCall(
	url: string,
	token: string,
	method: string,
	path: string,
	body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
	const response = await fetch(`${url}${path}`, {
		method,
		headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

export interface Roster {
	readonly members: string[];
	readonly ignoring: string[];
}

/** The members and DND list of a SYNC_ALL-shaped answer. */
export function rosterOf(body: string): Roster {
	const { data } = JSON.parse(body) as { data: { groupList: string; ignoreList?: string } };
	return { members: data.groupList.split(","), ignoring: data.ignoreList ? data.ignoreList.split(",") : [] };
}
