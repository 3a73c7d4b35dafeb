import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import type { SettingsSource } from "../../src/config";
import { computeSign } from "../../src/edge/sign";
import { TEST_GUARD_TOKEN, failure, form, sendWith } from "../helpers";

// MAX_CALLBACK_AGE_SECONDS bounds how long a captured, signed callback can be replayed.
const withWindow = { ...env, MAX_CALLBACK_AGE_SECONDS: "300" };
const now = () => Math.floor(Date.now() / 1000);

async function call(fields: Record<string, unknown>, environment: SettingsSource = withWindow) {
	const data = JSON.stringify(fields);
	const sign = await computeSign(TEST_GUARD_TOKEN, data);
	return sendWith(
		new Request("http://aec.test/eventCenter", {
			method: "POST",
			headers: { "Content-Type": "application/x-www-form-urlencoded" },
			body: form({ data, sign }),
		}),
		environment,
	);
}

describe("MAX_CALLBACK_AGE_SECONDS", () => {
	it("accepts a callback whose ts is within the window", async ({ expect }) => {
		expect((await call({ ts: String(now() - 60), action: "AEC_MSG_SERVER_GET_PUSH_MODE", userId: "a" })).body).toBe(
			'{"status":"1","data":"2"}',
		);
		expect((await call({ timestamp: String(now()), action: "AEC_ACCESS_VALIDATION", echostr: "e" })).body).toBe(
			'{"status":"1","data":"e"}',
		);
		// A ts sent as a JSON number counts too.
		expect((await call({ ts: now(), action: "AEC_MSG_SERVER_GET_PUSH_MODE", userId: "a" })).body).toBe('{"status":"1","data":"2"}');
	});

	it("refuses an old, a future or a missing ts with STALE_CALLBACK", async ({ expect }) => {
		for (const ts of [String(now() - 301), String(now() + 301), undefined, "yesterday"]) {
			const sent = await call({ ts, action: "AEC_MSG_SERVER_GET_PUSH_MODE", userId: "a" });
			expect([sent.body, sent.error], String(ts)).toEqual([failure(53), "STALE_CALLBACK"]);
		}
	});

	it("is 300 s by default when GUARD_TOKEN is set", async ({ expect }) => {
		const old = await call({ ts: String(now() - 301), action: "AEC_MSG_SERVER_GET_PUSH_MODE", userId: "a" }, env);
		expect([old.body, old.error]).toEqual([failure(53), "STALE_CALLBACK"]);
		const recent = await call({ ts: String(now() - 299), action: "AEC_MSG_SERVER_GET_PUSH_MODE", userId: "a" }, env);
		expect(recent.body).toBe('{"status":"1","data":"2"}');
	});

	it("MAX_CALLBACK_AGE_SECONDS=0 turns it off, for senders without ts; so does running unsigned", async ({ expect }) => {
		const off = { ...env, MAX_CALLBACK_AGE_SECONDS: "0" };
		expect((await call({ ts: "1561096441", action: "AEC_MSG_SERVER_GET_PUSH_MODE", userId: "a" }, off)).body).toBe(
			'{"status":"1","data":"2"}',
		);
		expect((await call({ action: "AEC_MSG_SERVER_GET_PUSH_MODE", userId: "a" }, off)).body).toBe('{"status":"1","data":"2"}');
		const unsigned = { ...env, GUARD_TOKEN: undefined, ALLOW_UNSIGNED: "true" };
		expect((await call({ action: "AEC_MSG_SERVER_GET_PUSH_MODE", userId: "a" }, unsigned)).body).toBe('{"status":"1","data":"2"}');
	});
});
