import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { computeSign, verifySign } from "../../src/edge/sign";
import { TEST_GUARD_TOKEN, failure, form, post, send, sendWith } from "../helpers";

// protocol.md's vectors, computed independently of this code.
const vectors = [
	["guard-token-123", '{"action":"AEC_ACCESS_VALIDATION","echostr":"e7f0c3","timestamp":"1561096441","nonce":"93721"}', "OKYIWtXedfQuhVPJe5irevCtSpk="],
	["guard-token-123", '{"ts":"1561096441","action":"AEC_GROUP_CREATE","userId":"892500","addUsers":"892500,500660","userDefineData":"888"}', "LzxvXjcDgzfODdlqVKASHNYFwV0="],
	["Zx9-secret", '{"action":"AEC_GROUP_CREATE","userId":"u1","addUsers":"u1,u2","userDefineData":"测试群"}', "lsyvUPkvvbbk+D5rvCOwQqwGM+A="],
	["12345678", '{"ts":"1795656857","action":"AEC_GROUP_CREATE","userId":"alice","addUsers":"alice,bob,carol","userDefineData":"mygroup"}', "kAxyXFGHgMu+Acwes+8caagDV/Q="],
] as const;

describe("sign", () => {
	it("matches every vector of protocol.md", async ({ expect }) => {
		for (const [token, data, sign] of vectors) {
			expect(await computeSign(token, data)).toBe(sign);
			expect(await verifySign(token, data, sign)).toBe(true);
			expect(await verifySign(token, `${data} `, sign)).toBe(false);
			expect(await verifySign(`${token}x`, data, sign)).toBe(false);
		}
	});

	it("reads a space as + (a sender that does not percent-encode)", async ({ expect }) => {
		const [token, data, sign] = vectors[2];
		expect(await verifySign(token, data, sign.replaceAll("+", " "))).toBe(true);
	});

	it("accepts the real server's request body exactly as captured", async ({ expect }) => {
		const [token, data, sign] = vectors[3];
		const sent = await sendWith(
			new Request("http://aec.test/eventCenter", {
				method: "POST",
				headers: { "Content-Type": "application/x-www-form-urlencoded" },
				body: `data=${encodeURIComponent(data)}&sign=kAxyXFGHgMu%2BAcwes%2B8caagDV%2FQ%3D`,
			}),
			// Captured long ago, so its ts is old: this test is about the body and the sign only.
			{ ...env, GUARD_TOKEN: token, MAX_CALLBACK_AGE_SECONDS: "0" },
		);
		expect(sent.body).toMatch(/^\{"status":"1","data":"\d+"\}$/);
		expect(sign).toBe("kAxyXFGHgMu+Acwes+8caagDV/Q=");
	});

	it("refuses a missing, empty, truncated, non-base64, wrong-key or other-data sign with BAD_SIGN", async ({ expect }) => {
		const data = JSON.stringify({ action: "AEC_GROUP_SYNC_ALL", groupId: "100000" });
		const good = await computeSign(TEST_GUARD_TOKEN, data);
		const signs = [
			undefined,
			"",
			good.slice(0, 20),
			"!!!not base64!!!",
			await computeSign("another-token", data),
			await computeSign(TEST_GUARD_TOKEN, JSON.stringify({ action: "AEC_GROUP_SYNC_ALL", groupId: "100001" })),
			`${good}AAAA`,
		];
		for (const sign of signs) {
			const sent = await send("/eventCenter", { method: "POST", body: form(sign === undefined ? { data } : { data, sign }) });
			expect(sent.body, String(sign)).toBe(failure(53));
			expect(sent.error).toBe("BAD_SIGN");
			expect(sent.status).toBe(200);
		}
	});

	it("checks the sign before reading data, so unsigned junk is BAD_SIGN, not BAD_JSON", async ({ expect }) => {
		const sent = await send("/eventCenter", { method: "POST", body: form({ data: "{not json", sign: "AAAA" }) });
		expect(sent.error).toBe("BAD_SIGN");
	});

	it("with no GUARD_TOKEN, refuses unsigned callbacks unless ALLOW_UNSIGNED is true", async ({ expect }) => {
		const request = () =>
			new Request(`http://aec.test/eventCenter?${form({ data: '{"action":"AEC_MSG_SERVER_GET_PUSH_MODE","userId":"u"}' })}`);
		const closed = await sendWith(request(), { ...env, GUARD_TOKEN: undefined });
		expect([closed.body, closed.error]).toEqual([failure(53), "UNSIGNED_REFUSED"]);
		const open = await sendWith(request(), { ...env, GUARD_TOKEN: undefined, ALLOW_UNSIGNED: "true" });
		expect(open.body).toBe('{"status":"1","data":"2"}');
	});

	it("a signed callback passes with the token the Worker holds", async ({ expect }) => {
		expect((await post({ action: "AEC_MSG_SERVER_GET_PUSH_MODE", userId: "u" })).body).toBe('{"status":"1","data":"2"}');
	});
});
