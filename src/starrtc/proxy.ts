/**
 * StarRTC's groupPushHttpProxy, as its real servers behave (release 2.9.6,
 * measured; see docs/protocol.md): form POSTs to `<STARRTC_PROXY_URL><name>`, no
 * auth, bare group and user ids (the proxy adds the app's prefix itself), and
 * every answer HTTP 200 with `{"status":"1"}` or `{"status":"0","data":"<ERRID>"}`.
 */

/** One call to the proxy. Every value non-empty: the proxy refuses empty ones. */
export interface ProxyCall {
	readonly name:
		| "syncGroupList"
		| "addUsersToGroup"
		| "delUsersFromGroup"
		| "setPushIgnore"
		| "unsetPushIgnore"
		| "pushGroupMsg"
		| "pushSystemMsgToUsers";
	readonly params: Readonly<Record<string, string>>;
}

export type ProxyVerdict = { readonly ok: true } | { readonly ok: false; readonly error: string; readonly notSynced: boolean };

/** What groupServer answers for a group it does not hold: fall back to syncGroupList. */
export const GROUP_NOT_SYNCED = "GROUPPUSH_ERRID_GROUPID_NOT_SYNC";

/** The largest `msg` we relay: 8 KB was delivered; 100 KB was never answered. */
export const MAX_MESSAGE_BYTES = 8 * 1024;

/** Sends one call; never throws. A hung connection (a proxy bug) ends at `timeoutMs`. */
export async function callProxy(baseUrl: string, call: ProxyCall, timeoutMs: number): Promise<ProxyVerdict> {
	let body: string;
	// Not AbortSignal.timeout: its timer outlives the call and kept the group object busy (an
	// eviction waited out the whole timeout after every call).
	const abort = new AbortController();
	const timer = setTimeout(() => abort.abort(new DOMException("The proxy did not answer in time", "TimeoutError")), timeoutMs);
	try {
		const response = await fetch(new URL(call.name, baseUrl), {
			method: "POST",
			headers: { "Content-Type": "application/x-www-form-urlencoded" },
			body: new URLSearchParams(call.params).toString(),
			signal: abort.signal,
		});
		body = await response.text();
	} catch (error) {
		return { ok: false, error: `proxy unreachable: ${String(error).slice(0, 160)}`, notSynced: false };
	} finally {
		clearTimeout(timer);
	}
	let answer: unknown;
	try {
		answer = JSON.parse(body);
	} catch {
		return { ok: false, error: `proxy answered ${JSON.stringify(body.slice(0, 80))}`, notSynced: false };
	}
	const { status, data } = (answer ?? {}) as { status?: unknown; data?: unknown };
	if (status === "1") return { ok: true };
	const error = typeof data === "string" ? data : `proxy answered ${JSON.stringify(body.slice(0, 80))}`;
	return { ok: false, error, notSynced: error === GROUP_NOT_SYNCED };
}
