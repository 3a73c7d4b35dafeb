import { assertStarRtcAnswer } from "../starrtc-answer";
import { sign } from "./dev-server";

/** Unix seconds, as StarRTC's servers put them first in every callback's data. */
export const unixNow = () => String(Math.floor(Date.now() / 1000));

/** Posts a signed callback to `url`, as StarRTC's servers do (a fresh `ts` first), checks the answer and returns its body. */
export async function callback(url: string, token: string, fields: Record<string, unknown>): Promise<string> {
	const data = JSON.stringify({ ts: unixNow(), ...fields });
	const response = await fetch(`${url}/eventCenter`, {
		method: "POST",
		headers: { "Content-Type": "application/x-www-form-urlencoded" },
		body: `data=${encodeURIComponent(data)}&sign=${encodeURIComponent(sign(token, data))}`,
	});
	const answer = { status: response.status, body: await response.text() };
	assertStarRtcAnswer(answer);
	return answer.body;
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
