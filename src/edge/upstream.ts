import { ErrorCode, fail, ok, type Outcome } from "../protocol/errors";

/**
 * Hands a non-group callback to the app's existing AEC server (UPSTREAM_AEC_URL)
 * with the same `data` and `sign`, and returns its answer's body. StarRTC gives
 * up after about 17 s, so a slow upstream is cut off well before that.
 */
export async function forwardToUpstream(url: string, data: string, sign: string | undefined, timeoutMs: number): Promise<Outcome<string>> {
	const form = new URLSearchParams({ data });
	if (sign !== undefined) form.set("sign", sign);
	try {
		// The signal covers reading the body too, so a trickling answer is cut off as well.
		const response = await fetch(url, { method: "POST", body: form, signal: AbortSignal.timeout(timeoutMs) });
		const body = await response.text();
		// StarRTC reads only a 200's body; whatever an error status carries is not an answer.
		if (response.status !== 200) return fail(ErrorCode.UpstreamFailure, `upstream AEC server answered HTTP ${response.status}`);
		return ok(body);
	} catch (error) {
		const reason = error instanceof Error && error.name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : String(error);
		return fail(ErrorCode.UpstreamFailure, `upstream AEC server: ${reason}`);
	}
}
