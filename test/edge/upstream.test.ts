import { env } from "cloudflare:workers";
import { afterEach, describe, it, vi } from "vitest";
import type { SettingsSource } from "../../src/config";
import { computeSign } from "../../src/edge/sign";
import { TEST_GUARD_TOKEN, failure, form, loggedReasons, sendWith, unixNow } from "../helpers";

const UPSTREAM = "http://upstream.test/eventCenter.php";
const withUpstream = { ...env, UPSTREAM_AEC_URL: UPSTREAM, UPSTREAM_TIMEOUT_MS: "300" };

/** Sends `fields` (a JSON object text) with a fresh `ts` put first, as StarRTC's servers do. */
async function call(fields: string, environment: SettingsSource = withUpstream) {
	const data = `{"ts":"${unixNow()}",${fields.slice(1)}`;
	const sign = await computeSign(TEST_GUARD_TOKEN, data);
	const sent = await sendWith(
		new Request("http://aec.test/eventCenter", {
			method: "POST",
			headers: { "Content-Type": "application/x-www-form-urlencoded" },
			body: form({ data, sign }),
		}),
		environment,
	);
	return { ...sent, data, sign };
}

// The Worker runs in the test's isolate, so a fetch stub stands in for the app's existing AEC server.
describe("non-group actions with UPSTREAM_AEC_URL", () => {
	afterEach(() => vi.restoreAllMocks());

	it("forwards the same data and sign and relays the answer's body", async ({ expect }) => {
		const seen: { url: string; method?: string; data: string | null; sign: string | null }[] = [];
		vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
			const body = new URLSearchParams(String(init?.body));
			seen.push({ url: String(input), method: init?.method, data: body.get("data"), sign: body.get("sign") });
			return new Response('{"status":"1","data":"3"}');
		});
		const { body, data, sign } = await call('{"action":"AEC_MSG_SERVER_GET_PUSH_MODE","userId":"测试 +"}');
		expect(body).toBe('{"status":"1","data":"3"}');
		expect(seen).toEqual([{ url: UPSTREAM, method: "POST", data, sign }]);
	});

	it("forwards an unsigned callback (ALLOW_UNSIGNED) without a sign", async ({ expect }) => {
		const forwarded: string[] = [];
		vi.spyOn(globalThis, "fetch").mockImplementation(async (_, init) => {
			forwarded.push(String(init?.body));
			return new Response('{"status":"1","data":"3"}');
		});
		const data = '{"action":"AEC_VOIP_CALL","userId":"a"}';
		const sent = await sendWith(new Request(`http://aec.test/eventCenter?${form({ data })}`), {
			...withUpstream,
			GUARD_TOKEN: undefined,
			ALLOW_UNSIGNED: "true",
		});
		expect(sent.body).toBe('{"status":"1","data":"3"}');
		expect(forwarded).toEqual([form({ data })]);
	});

	it("forwards actions it does not know, and keeps group actions and access validation here", async ({ expect }) => {
		const fetched = vi.spyOn(globalThis, "fetch").mockResolvedValue(new Response('{"status":"1","data":"ok"}'));
		expect((await call('{"action":"AEC_VOIP_CALL","userId":"a"}')).body).toBe('{"status":"1","data":"ok"}');
		expect((await call('{"action":"AEC_ACCESS_VALIDATION","echostr":"e"}')).body).toBe('{"status":"1","data":"e"}');
		expect((await call('{"action":"AEC_GROUP_SYNC_ALL","groupId":"42"}')).body).toBe(failure(47));
		expect(fetched).toHaveBeenCalledTimes(1);
	});

	// (Whitespace around a good answer is fine: it is relayed re-written, see test/protocol/answer.test.ts.)
	it("relays an upstream failure only when StarRTC survives it; an error page or an out-of-table code becomes UPSTREAM_FAILURE", async ({
		expect,
	}) => {
		const relayed = async (upstreamBody: string) => {
			vi.spyOn(globalThis, "fetch").mockResolvedValueOnce(new Response(upstreamBody));
			return call('{"action":"AEC_VOIP_CALL","userId":"a"}');
		};
		for (const safe of ["1", "9", "32", "99", "100"]) {
			expect((await relayed(`{"status":"0","data":"${safe}"}`)).body).toBe(`{"status":"0","data":"${safe}"}`);
		}
		const outOfTable = ["0", "01", "101", "255", "10001", "1a", ""].map((n) => `{"status":"0","data":"${n}"}`);
		for (const bad of [...outOfTable, '{"status":"0","data":10001}', "<br /><b>Fatal error</b>", "", '{"status":"1"']) {
			const answer = await relayed(bad);
			expect([answer.body, answer.error], bad).toEqual([failure(1), "UPSTREAM_FAILURE"]);
		}
	});

	it("relays only canonical answers, re-written, and nothing from a status other than 200", async ({ expect }) => {
		const relayed = async (upstreamBody: string, status = 200) => {
			vi.spyOn(globalThis, "fetch").mockResolvedValueOnce(new Response(upstreamBody, { status }));
			return call('{"action":"AEC_VOIP_CALL","userId":"a"}');
		};
		expect((await relayed('{"status":"1" , "data" : "ok"}')).body).toBe('{"status":"1","data":"ok"}');
		for (const [body, status] of [
			['{"status":"1","data":10001}', 200],
			['{"status":"1","status":"0","data":"999"}', 200],
			['{"status":"1","e500":1}', 500],
			['{"status":"1"}', 500],
		] as const) {
			const answer = await relayed(body, status);
			expect([answer.body, answer.error], `${status} ${body}`).toEqual([failure(1), "UPSTREAM_FAILURE"]);
		}
	});

	it("answers UPSTREAM_FAILURE when the upstream is down, and logs why", async ({ expect }) => {
		for (const [rejection, reason] of [
			[new TypeError("connection refused"), "upstream AEC server: TypeError: connection refused"],
			[null, "upstream AEC server: null"],
		] as const) {
			vi.spyOn(globalThis, "fetch").mockRejectedValueOnce(rejection);
			let sent = { body: "", error: null as string | null };
			const reasons = await loggedReasons(async () => {
				sent = await call('{"action":"AEC_MSG_SERVER_GET_PUSH_MODE","userId":"a"}');
			});
			expect([sent.body, sent.error, reasons]).toEqual([failure(1), "UPSTREAM_FAILURE", [reason]]);
		}
	});

	it("gives up on a slow upstream after UPSTREAM_TIMEOUT_MS instead of hanging", async ({ expect }) => {
		vi.spyOn(globalThis, "fetch").mockImplementation(
			(_, init) => new Promise((_, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal?.reason))),
		);
		const started = Date.now();
		let sent = { body: "", error: null as string | null };
		const reasons = await loggedReasons(async () => {
			sent = await call('{"action":"AEC_MSG_SERVER_GET_PUSH_MODE","userId":"a"}');
		});
		expect([sent.body, sent.error]).toEqual([failure(1), "UPSTREAM_FAILURE"]);
		expect(Date.now() - started).toBeLessThan(5000);
		expect(reasons).toEqual(["upstream AEC server: no answer within 300 ms"]);
	});

	it("without an upstream, answers push mode from PUSH_MODE and refuses other actions", async ({ expect }) => {
		expect((await call('{"action":"AEC_MSG_SERVER_GET_PUSH_MODE","userId":"a"}', env)).body).toBe('{"status":"1","data":"2"}');
		expect((await call('{"action":"AEC_MSG_SERVER_GET_PUSH_MODE","userId":"a"}', { ...env, PUSH_MODE: "3" })).body).toBe(
			'{"status":"1","data":"3"}',
		);
		expect((await call('{"action":"AEC_VOIP_CALL","userId":"a"}', env)).error).toBe("UNKNOWN_ACTION");
	});
});
