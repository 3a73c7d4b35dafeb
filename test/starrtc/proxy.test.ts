import { afterEach, describe, it, vi } from "vitest";
import { callProxy, GROUP_NOT_SYNCED } from "../../src/starrtc/proxy";

// callProxy alone, against answers StarRTC's proxy gives and some it must never be trusted with.
const BASE = "http://proxy.test/";
const call = { name: "addUsersToGroup", params: { groupId: "100200", addedUsers: "bob,carol" } } as const;

/** The isolate's fetch answers `body` (or fails with `error`) and records what it was asked. */
function proxyAnswers(outcome: { body: string } | { error: Error }) {
	const seen: Request[] = [];
	vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
		seen.push(new Request(input, init));
		if ("error" in outcome) throw outcome.error;
		return new Response(outcome.body);
	});
	return seen;
}

afterEach(() => void vi.restoreAllMocks());

describe("callProxy", () => {
	it("posts the call's parameters as a form to <base><name>", async ({ expect }) => {
		const seen = proxyAnswers({ body: '{"status":"1"}' });
		expect(await callProxy(BASE, call, 1000)).toEqual({ ok: true });
		expect(seen).toHaveLength(1);
		const [request] = seen;
		expect(request?.method).toBe("POST");
		expect(request?.url).toBe("http://proxy.test/addUsersToGroup");
		expect(request?.headers.get("Content-Type")).toBe("application/x-www-form-urlencoded");
		expect(new TextDecoder().decode(await request?.arrayBuffer())).toBe("groupId=100200&addedUsers=bob%2Ccarol");
	});

	it("a refusal keeps the proxy's error id; only GROUPID_NOT_SYNC asks for a sync", async ({ expect }) => {
		proxyAnswers({ body: `{"status":"0","data":"${GROUP_NOT_SYNCED}"}` });
		expect(await callProxy(BASE, call, 1000)).toEqual({ ok: false, error: GROUP_NOT_SYNCED, notSynced: true });
		vi.restoreAllMocks();
		proxyAnswers({ body: '{"status":"0","data":"ASOCKSRV_ERRID_HTTP_POST_PARAM_ERR"}' });
		expect(await callProxy(BASE, call, 1000)).toEqual({ ok: false, error: "ASOCKSRV_ERRID_HTTP_POST_PARAM_ERR", notSynced: false });
	});

	it.for<[body: string, error: string]>([
		// Only the string "1" is success: the proxy never answers a number.
		['{"status":1}', 'proxy answered "{\\"status\\":1}"'],
		['{"status":"0"}', 'proxy answered "{\\"status\\":\\"0\\"}"'],
		['{"status":"0","data":7}', 'proxy answered "{\\"status\\":\\"0\\",\\"data\\":7}"'],
		["null", 'proxy answered "null"'],
		["<html>502 Bad Gateway</html>", 'proxy answered "<html>502 Bad Gateway</html>"'],
		// At most 80 characters of what it said go into the error.
		[`<p>${"x".repeat(200)}</p>`, `proxy answered "<p>${"x".repeat(77)}"`],
		[
			`{"status":"0","data":{"x":"${"y".repeat(100)}"}}`,
			`proxy answered ${JSON.stringify(`{"status":"0","data":{"x":"${"y".repeat(100)}"}}`.slice(0, 80))}`,
		],
	])("an answer that is not a success: %s", async ([body, error], { expect }) => {
		proxyAnswers({ body });
		expect(await callProxy(BASE, call, 1000)).toEqual({ ok: false, error, notSynced: false });
	});

	it("an unreachable proxy is a failure to retry, its reason cut to 160 characters", async ({ expect }) => {
		proxyAnswers({ error: new TypeError("connection refused") });
		expect(await callProxy(BASE, call, 1000)).toEqual({
			ok: false,
			error: "proxy unreachable: TypeError: connection refused",
			notSynced: false,
		});
		vi.restoreAllMocks();
		proxyAnswers({ error: new TypeError("z".repeat(300)) });
		const verdict = await callProxy(BASE, call, 1000);
		expect(verdict).toEqual({
			ok: false,
			error: `proxy unreachable: TypeError: ${"z".repeat(160 - "TypeError: ".length)}`,
			notSynced: false,
		});
	});

	it("a proxy that never answers ends at the timeout", async ({ expect }) => {
		vi.spyOn(globalThis, "fetch").mockImplementation(
			(_input, init) => new Promise((_, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal?.reason))),
		);
		const verdict = await callProxy(BASE, call, 50);
		expect(verdict.ok).toBe(false);
		expect(verdict).toEqual({ ok: false, error: "proxy unreachable: TimeoutError: The proxy did not answer in time", notSynced: false });
	});

	// A timer left running kept the group object busy for the whole timeout after every call: an
	// eviction (a deploy, a restart) waited those 5 seconds.
	it.for<[what: string, outcome: { body: string } | { error: Error }]>([
		["answered", { body: '{"status":"1"}' }],
		["unreachable", { error: new TypeError("connection refused") }],
	])("a call that ends (%s) leaves no timer running", async ([, outcome], { expect }) => {
		proxyAnswers(outcome);
		const started = vi.spyOn(globalThis, "setTimeout");
		const cleared = vi.spyOn(globalThis, "clearTimeout");
		await callProxy(BASE, call, 60_000);
		expect(started).toHaveBeenCalledTimes(1);
		expect(cleared).toHaveBeenCalledWith(started.mock.results[0]?.value);
	});
});
