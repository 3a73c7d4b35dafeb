import { env } from "cloudflare:workers";
import { afterEach, describe, it, vi } from "vitest";
import { computeSign, verifySign } from "../../src/edge/sign";
import { TEST_GUARD_TOKEN, failure, form, post, send, sendWith, unixNow } from "../helpers";

// docs/protocol.md's vectors ("Sign test vectors"), computed independently of this code.
const vectors = [
	[
		"guard-token-123",
		'{"action":"AEC_ACCESS_VALIDATION","echostr":"e7f0c3","timestamp":"1561096441","nonce":"93721"}',
		"OKYIWtXedfQuhVPJe5irevCtSpk=",
	],
	[
		"guard-token-123",
		'{"ts":"1561096441","action":"AEC_GROUP_CREATE","userId":"892500","addUsers":"892500,500660","userDefineData":"888"}',
		"LzxvXjcDgzfODdlqVKASHNYFwV0=",
	],
	[
		"Zx9-secret",
		'{"action":"AEC_GROUP_CREATE","userId":"u1","addUsers":"u1,u2","userDefineData":"测试群"}',
		"lsyvUPkvvbbk+D5rvCOwQqwGM+A=",
	],
	[
		"12345678",
		'{"ts":"1795656857","action":"AEC_GROUP_CREATE","userId":"alice","addUsers":"alice,bob,carol","userDefineData":"mygroup"}',
		"kAxyXFGHgMu+Acwes+8caagDV/Q=",
	],
] as const;

describe("sign", () => {
	afterEach(() => vi.restoreAllMocks());

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
		const captured = `data=${encodeURIComponent(data)}&sign=kAxyXFGHgMu%2BAcwes%2B8caagDV%2FQ%3D`;
		// The capture carries the vector's sign, percent-encoded as the real server sent it.
		expect(new URLSearchParams(captured).get("sign")).toBe(sign);
		const sent = await sendWith(
			new Request("http://aec.test/eventCenter", {
				method: "POST",
				headers: { "Content-Type": "application/x-www-form-urlencoded" },
				body: captured,
			}),
			// Captured long ago, so its ts is old: this test is about the body and the sign only.
			{ ...env, GUARD_TOKEN: token, MAX_CALLBACK_AGE_SECONDS: "0" },
		);
		expect(sent.body).toMatch(/^\{"status":"1","data":"\d+"\}$/);
	});

	it("refuses every forged sign of the real server's callback, each over HTTP with BAD_SIGN", async ({ expect }) => {
		const [token, data, sign] = vectors[3]; // kAxyXFGHgMu+Acwes+8caagDV/Q=
		const forged: [string, string][] = [
			["right length, a space for a character that is not +", sign.replace("/", " ")],
			["right length, a space for the first character", ` ${sign.slice(1)}`],
			["right length, all spaces but the padding", `${" ".repeat(27)}=`],
			["right length, 28 spaces", " ".repeat(28)],
			["no padding", sign.slice(0, -1)],
			["double padding", `${sign}=`],
			["padding moved inside", `${sign.slice(0, 10)}=${sign.slice(10, -1)}`],
			["a leading tab", `\t${sign}`],
			["a tab inside", `${sign.slice(0, 10)}\t${sign.slice(10)}`],
			["a trailing newline", `${sign}\n`],
			["a trailing space (a +)", `${sign} `],
			["URL-safe alphabet", sign.replaceAll("+", "-").replaceAll("/", "_")],
			["another body that decodes to the same bytes (stray low bits)", `${sign.slice(0, 26)}R=`],
			["another body that decodes to the same bytes (stray bits, last possible)", `${sign.slice(0, 26)}T=`],
			["the MAC in hex", Array.from(atob(sign), (c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join("")],
			["the MAC in lower case", sign.toLowerCase()],
			["another key", await computeSign(`${token}9`, data)],
			["another key that is a prefix", await computeSign(token.slice(0, -1), data)],
			["the data with a trailing newline", await computeSign(token, `${data}\n`)],
			["the data with another ts", await computeSign(token, data.replace("1795656857", "1795656858"))],
			["a truncated sign, padded back to length", `${sign.slice(0, 24)}AAA=`],
			["one bit flipped", `${sign.slice(0, 5)}${sign[5] === "F" ? "E" : "F"}${sign.slice(6)}`],
		];
		for (const [name, candidate] of forged) {
			expect(candidate, name).not.toBe(sign);
			expect(await verifySign(token, data, candidate), name).toBe(false);
			const sent = await sendWith(
				new Request("http://aec.test/eventCenter", {
					method: "POST",
					headers: { "Content-Type": "application/x-www-form-urlencoded" },
					body: form({ data, sign: candidate }),
				}),
				{ ...env, GUARD_TOKEN: token },
			);
			expect([sent.body, sent.error], name).toEqual([failure(53), "BAD_SIGN"]);
		}
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

	it("lets WebCrypto's verify decide (constant time): stubbed to refuse, the right sign fails; stubbed to accept, a wrong one passes", async ({
		expect,
	}) => {
		const data = JSON.stringify({ ts: unixNow(), action: "AEC_MSG_SERVER_GET_PUSH_MODE", userId: "u" });
		const right = await computeSign(TEST_GUARD_TOKEN, data);
		const wrong = await computeSign("another-token", data);
		const verify = vi.spyOn(crypto.subtle, "verify").mockResolvedValue(false);
		expect((await send("/eventCenter", { method: "POST", body: form({ data, sign: right }) })).error).toBe("BAD_SIGN");
		verify.mockResolvedValue(true);
		expect((await send("/eventCenter", { method: "POST", body: form({ data, sign: wrong }) })).body).toBe('{"status":"1","data":"2"}');
		expect(verify).toHaveBeenCalledTimes(2);
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
