import { readSettings, type SettingsSource } from "../config";
import { ErrorCode, fail, ok, type Outcome } from "../protocol/errors";
import { type GroupView, type StarRtcNews, callsFor, wholeState } from "./calls";
import type { StarRtcSender } from "./delivery";
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

/**
 * The outbox's StarRTC sender for one group: the proxy is read from the
 * settings at each send, so a proxy switched off since means nobody to tell.
 */
export function starRtcSender(env: SettingsSource, groupId: () => string, view: () => GroupView | null): StarRtcSender {
	return async (news) => {
		const { starrtcProxyUrl: proxyUrl, starrtcTimeoutMs: timeoutMs } = readSettings(env);
		if (proxyUrl === undefined) return undefined;
		return tellStarRtc(news, { groupId: groupId(), proxyUrl, timeoutMs, view });
	};
}

/**
 * Sends the proxy the group's whole state now, as the outbox tells a create: a
 * callback while it is in flight gets the state sent again as the group then is.
 */
export async function resync(env: SettingsSource, groupId: string, view: () => GroupView | null): Promise<Outcome<void>> {
	const { starrtcProxyUrl: proxyUrl, starrtcTimeoutMs: timeoutMs } = readSettings(env);
	if (proxyUrl === undefined) return fail(ErrorCode.InternalError, "STARRTC_PROXY_URL is not set");
	const error = await tellStarRtc({ op: "create" }, { groupId, proxyUrl, timeoutMs, view });
	return error === undefined ? ok(undefined) : fail(ErrorCode.UpstreamFailure, error);
}
