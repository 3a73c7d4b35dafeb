/** Every live group's id, from the pages of `GET /v1/groups`. */
import { compareIds } from "./lines.ts";
import { type RetryOptions, getRetrying } from "./retry.ts";

export interface Listed {
	readonly groupId: string;
	readonly memberCount: number;
}

export class Refused extends Error {
	override name = "Refused";
	readonly status: number;
	constructor(status: number, message: string) {
		super(message);
		this.status = status;
	}
}

/** All pages, in id order, only the ids after `after`. A 4xx stops it (a wrong token or URL fails every group). */
export async function listGroups(
	base: string,
	apiToken: string,
	options: { readonly page: number; readonly after?: string; readonly retry?: RetryOptions; readonly onPage?: (listed: number) => void },
): Promise<Listed[]> {
	const seen = new Map<string, Listed>();
	let cursor: string | undefined;
	do {
		const query = `limit=${options.page}${cursor === undefined ? "" : `&cursor=${encodeURIComponent(cursor)}`}`;
		const answer = await getRetrying(`${base}/v1/groups?${query}`, apiToken, options.retry);
		if (answer.status !== 200)
			throw new Refused(answer.status, `GET /v1/groups answered HTTP ${answer.status}: ${answer.body.slice(0, 300)}`);
		const page = JSON.parse(answer.body) as { groups: { groupId: string; memberCount: number }[]; next?: string };
		for (const g of page.groups) seen.set(g.groupId, { groupId: g.groupId, memberCount: g.memberCount });
		options.onPage?.(seen.size);
		cursor = page.next;
	} while (cursor);
	const after = options.after;
	return [...seen.values()]
		.filter((g) => after === undefined || compareIds(g.groupId, after) > 0)
		.sort((a, b) => compareIds(a.groupId, b.groupId));
}
