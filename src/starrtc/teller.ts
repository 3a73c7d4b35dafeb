import { type GroupView, type StarRtcNews, callsFor, wholeState } from "./calls";
import { callProxy } from "./proxy";

/** Where and how a group tells StarRTC, and how it reads itself as it is now. */
export interface Teller {
	readonly groupId: string;
	readonly proxyUrl: string;
	readonly timeoutMs: number;
	/** The group as it is at this moment; null once deleted. */
	readonly view: () => GroupView | null;
}

/** How often the calls are sent again while a callback keeps changing the group under them. */
const TRIES = 3;

/**
 * Tells StarRTC's proxy one app-made change, as the group is now (see
 * callsFor). A group groupServer does not hold gets the whole state instead.
 * After each send the calls are worked out again: a callback may have changed
 * the group while a call was in flight. Sent again while they differ, so that
 * StarRTC's copy equals ours once the outbox is empty. Returns why it failed, if it did.
 */
export async function tellStarRtc(news: StarRtcNews, { groupId, proxyUrl, timeoutMs, view }: Teller): Promise<string | undefined> {
	let sent: string | undefined;
	for (let tries = 0; ; tries++) {
		const calls = callsFor(news, groupId, view());
		const worked = JSON.stringify(calls);
		if (worked === sent) return undefined;
		if (tries === TRIES) return "the group kept changing while StarRTC was told; trying again";
		for (const call of calls) {
			let verdict = await callProxy(proxyUrl, call, timeoutMs);
			if (!verdict.ok && verdict.notSynced) verdict = await callProxy(proxyUrl, wholeState(groupId, view()), timeoutMs);
			if (!verdict.ok) return `${call.name}: ${verdict.error}`;
		}
		sent = worked;
	}
}
