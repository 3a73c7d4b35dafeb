import { sign } from "./dev-server";

/** Posts a signed callback to `url`, as StarRTC's servers do, and returns the answer's body. */
export async function callback(url: string, token: string, fields: Record<string, unknown>): Promise<string> {
	const data = JSON.stringify(fields);
	const response = await fetch(`${url}/eventCenter`, {
		method: "POST",
		headers: { "Content-Type": "application/x-www-form-urlencoded" },
		body: `data=${encodeURIComponent(data)}&sign=${encodeURIComponent(sign(token, data))}`,
	});
	return response.text();
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
