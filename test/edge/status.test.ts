import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, it, vi } from "vitest";
import type { SettingsSource } from "../../src/config";
import { MAX_BODY_BYTES } from "../../src/protocol/callback";
import { computeSign } from "../../src/edge/sign";
import { ErrorCode } from "../../src/protocol/errors";
import { MAX_GROUP_ID } from "../../src/protocol/ids";
import { TEST_GUARD_TOKEN, createGroup, form, sendNonCallback, sendWith, unixNow } from "../helpers";

// StarRTC's servers read the body of an HTTP 200 answer only; with any other status the
// client is told "AEC URL unreachable" instead of the error the body names. So every
// refusal of a callback is a 200, as the shared checker (through sendWith) asserts.

async function raw(data: string, environment: SettingsSource = env, sign?: string, from = "192.0.2.1") {
	const body = form({ data, sign: sign ?? (await computeSign(TEST_GUARD_TOKEN, data)) });
	const request = new Request("http://aec.test/eventCenter", {
		method: "POST",
		headers: { "Content-Type": "application/x-www-form-urlencoded", "CF-Connecting-IP": from },
		body,
	});
	return sendWith(request, environment);
}

/** Callback data as StarRTC sends it, `ts` first. */
const json = (fields: Record<string, unknown>) => JSON.stringify({ ts: unixNow(), ...fields });
/** Runs `send` while the id counter stands at MAX_GROUP_ID, then puts it back. */
async function withEveryIdTaken<T>(send: () => Promise<T>): Promise<T> {
	const counter = env.GROUP_IDS.getByName("ids");
	const was = await counter.highestGroupId();
	await counter.raiseAbove(String(MAX_GROUP_ID));
	try {
		return await send();
	} finally {
		await runInDurableObject(counter, (_, state) => void state.storage.sql.exec("UPDATE next_group_id SET value = ?", was));
	}
}
const refusingLimiter: RateLimit = { limit: async () => ({ success: false }) };

/** One callback per failure code of a callback path, each producing exactly that code. */
const cases: Record<
	Exclude<ErrorCode, "NOT_FOUND" | "METHOD_NOT_ALLOWED" | "IDEMPOTENCY_KEY_REUSED">,
	(group: string) => ReturnType<typeof raw>
> = {
	MALFORMED_ARGUMENT: () => raw(json({ action: "AEC_GROUP_SYNC_ALL", groupId: "not-an-id" })),
	BAD_JSON: () => raw("{not json"),
	REPEATED_FIELD: (group) => raw(`{"ts":"${unixNow()}","action":"AEC_GROUP_DEL","userId":"mallory","groupId":"${group}","userId":"alice"}`),
	BAD_SIGN: () => raw(json({ action: "AEC_GROUP_SYNC_ALL", groupId: "1" }), env, "AAAAAAAAAAAAAAAAAAAAAAAAAAA="),
	UNSIGNED_REFUSED: () =>
		raw(json({ action: "AEC_GROUP_SYNC_ALL", groupId: "1" }), { ...env, GUARD_TOKEN: undefined, ALLOW_UNSIGNED: "false" }),
	STALE_CALLBACK: () => raw(json({ ts: "1", action: "AEC_GROUP_SYNC_ALL", groupId: "1" }), { ...env, MAX_CALLBACK_AGE_SECONDS: "300" }),
	SOURCE_NOT_ALLOWED: (group) =>
		raw(json({ action: "AEC_GROUP_SYNC_ALL", groupId: group }), { ...env, AEC_ALLOWED_IPS: "198.51.100.0/24" }),
	RATE_LIMITED: (group) => raw(json({ action: "AEC_GROUP_SYNC_ALL", groupId: group }), { ...env, CALLBACKS_PER_GROUP: refusingLimiter }),
	UNKNOWN_ACTION: () => raw(json({ action: "AEC_VOIP_CALL", userId: "a" })),
	UNKNOWN_GROUP: () => raw(json({ action: "AEC_GROUP_ADD_USER", userId: "alice", groupId: "999999999", addUsers: "zed" })),
	PERMISSION_DENIED: (group) => raw(json({ action: "AEC_GROUP_DEL", userId: "bob", groupId: group })),
	GROUP_FULL: (group) =>
		raw(json({ action: "AEC_GROUP_ADD_USER", userId: "alice", groupId: group, addUsers: "x,y,z" }), { ...env, MAX_GROUP_MEMBERS: "2" }),
	REMOVE_CREATOR: (group) => raw(json({ action: "AEC_GROUP_REMOVE_USER", userId: "alice", groupId: group, removeUsers: "alice" })),
	NOT_A_MEMBER: (group) => raw(json({ action: "AEC_GROUP_ADD_USER", userId: "mallory", groupId: group, addUsers: "zed" })),
	REQUEST_TOO_LARGE: () => raw("x".repeat(MAX_BODY_BYTES)),
	UPSTREAM_FAILURE: () => raw(json({ action: "AEC_VOIP_CALL", userId: "a" }), { ...env, UPSTREAM_AEC_URL: "http://upstream.test/" }),
	GROUP_IDS_EXHAUSTED: () => withEveryIdTaken(() => raw(json({ action: "AEC_GROUP_CREATE", userId: "alice", addUsers: "alice" }))),
	INTERNAL_ERROR: () => raw(json({ action: "AEC_GROUP_SYNC_ALL", groupId: "1" }), { ...env, PUSH_MODE: "5" }),
};

describe("every refusal of a callback is HTTP 200", () => {
	afterEach(() => vi.restoreAllMocks());

	it("covers every failure code a callback path can answer", ({ expect }) => {
		// IDEMPOTENCY_KEY_REUSED: only the app's creates carry a content fingerprint (test/api/admin.test.ts).
		const notHere = ["NOT_FOUND", "METHOD_NOT_ALLOWED", "IDEMPOTENCY_KEY_REUSED"];
		const expected = Object.values(ErrorCode).filter((code) => !notHere.includes(code));
		expect(Object.keys(cases).sort()).toEqual(expected.sort());
	});

	for (const [code, send] of Object.entries(cases)) {
		it(`${code} comes with status 200`, async ({ expect }) => {
			vi.spyOn(globalThis, "fetch").mockRejectedValue(new TypeError("connection refused"));
			const group = await createGroup("alice", ["alice", "bob"]);
			const answer = await send(group);
			expect(answer.error).toBe(code);
			expect(answer.body).toMatch(/^\{"status":"0","data":"\d+"\}$/);
			expect(answer.status).toBe(200);
		});
	}

	it("requests StarRTC never sends keep their HTTP meaning: 404 for another path, 405 for another method", async ({ expect }) => {
		const elsewhere = await sendNonCallback("/admin", { method: "POST" }, 404);
		expect([elsewhere.status, elsewhere.error]).toEqual([404, "NOT_FOUND"]);
		const put = await sendNonCallback("/eventCenter", { method: "PUT" }, 405);
		expect([put.status, put.error]).toEqual([405, "METHOD_NOT_ALLOWED"]);
	});
});
