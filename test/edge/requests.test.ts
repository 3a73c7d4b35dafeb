import { env } from "cloudflare:workers";
import { afterEach, describe, it, vi } from "vitest";
import { MAX_BODY_BYTES } from "../../src/protocol/callback";
import { computeSign } from "../../src/edge/sign";
import { TEST_GUARD_TOKEN, createGroup, failure, form, post, roster, send, sendNonCallback, sendWith, syncAll, unixNow } from "../helpers";

const signed = async (data: string) => ({ data, sign: await computeSign(TEST_GUARD_TOKEN, data) });
/** Callback data as StarRTC sends it, `ts` first. */
const stamped = (fields: Record<string, unknown>) => JSON.stringify({ ts: unixNow(), ...fields });

describe("how callbacks arrive", () => {
	it("answers on POST and GET at /eventCenter, /eventCenter.php and /", async ({ expect }) => {
		const id = await createGroup("alice", ["alice", "bob"]);
		const params = form(await signed(stamped({ action: "AEC_GROUP_SYNC_ALL", groupId: id })));
		for (const path of ["/eventCenter", "/eventCenter.php", "/"]) {
			expect((await send(path, { method: "POST", body: params })).body, path).toBe(roster("alice,bob"));
			expect((await send(`${path}?${params}`)).body, path).toBe(roster("alice,bob"));
		}
	});

	it("reads multipart form bodies too", async ({ expect }) => {
		const id = await createGroup("alice", ["alice"]);
		const body = new FormData();
		for (const [k, v] of Object.entries(await signed(stamped({ action: "AEC_GROUP_SYNC_ALL", groupId: id })))) body.set(k, v);
		expect((await send("/eventCenter", { method: "POST", body })).body).toBe(roster("alice"));
	});

	it("GET /healthz answers 200", async ({ expect }) => {
		const sent = await send("/healthz");
		expect([sent.status, sent.body]).toEqual([200, '{"status":"1"}']);
	});

	it("answers other methods and unknown paths with the envelope, never HTML", async ({ expect }) => {
		for (const method of ["PUT", "DELETE", "PATCH", "OPTIONS"]) {
			const sent = await sendNonCallback("/eventCenter", { method }, 405);
			expect(sent.body, method).toBe(failure(62));
			expect(sent.error).toBe("METHOD_NOT_ALLOWED");
		}
		const missing = await sendNonCallback("/nope", { method: "POST", body: "data=x" }, 404);
		expect(missing.body).toBe(failure(62));
		expect(missing.error).toBe("NOT_FOUND");
	});

	it("refuses a missing or repeated data parameter", async ({ expect }) => {
		const one = await signed('{"action":"AEC_GROUP_SYNC_ALL","groupId":"1"}');
		const none = await send("/eventCenter", { method: "POST", body: form({ sign: one.sign }) });
		expect([none.body, none.error]).toEqual([failure(62), "MALFORMED_ARGUMENT"]);
		const twice = await send("/eventCenter", { method: "POST", body: `${form(one)}&data=x` });
		expect([twice.body, twice.error]).toEqual([failure(62), "MALFORMED_ARGUMENT"]);
	});

	it("reads data and sign from the query string when the form body has no data", async ({ expect }) => {
		const id = await createGroup("alice", ["alice"]);
		const params = form(await signed(JSON.stringify({ ts: unixNow(), action: "AEC_GROUP_SYNC_ALL", groupId: id })));
		expect((await send(`/eventCenter?${params}`, { method: "POST" })).body).toBe(roster("alice"));
		expect((await send(`/eventCenter?${params}`, { method: "POST", body: "" })).body).toBe(roster("alice"));
		expect((await send(`/eventCenter?${params}`, { method: "POST", body: "other=1" })).body).toBe(roster("alice"));
	});

	it("refuses a repeated sign, a multipart body that does not parse, and data or sign sent as a file", async ({ expect }) => {
		const one = await signed('{"action":"AEC_GROUP_SYNC_ALL","groupId":"1"}');
		const twice = await send("/eventCenter", { method: "POST", body: `${form(one)}&sign=${encodeURIComponent(one.sign)}` });
		expect([twice.body, twice.error]).toEqual([failure(62), "MALFORMED_ARGUMENT"]);
		const broken = await send("/eventCenter", {
			method: "POST",
			headers: { "Content-Type": "multipart/form-data; boundary=xyz" },
			body: `--xyz\r\nContent-Disposition: form-data; name="data"\r\n\r\n${one.data}`,
		});
		expect([broken.body, broken.error]).toEqual([failure(62), "MALFORMED_ARGUMENT"]);
		for (const field of ["data", "sign"] as const) {
			const body = new FormData();
			body.set("data", one.data);
			body.set("sign", one.sign);
			body.set(field, new File([one[field]], "file.txt"));
			const sent = await send("/eventCenter", { method: "POST", body });
			expect([sent.body, sent.error], field).toEqual([failure(62), "MALFORMED_ARGUMENT"]);
		}
	});

	it("refuses a body over the limit with REQUEST_TOO_LARGE", async ({ expect }) => {
		const sent = await send("/eventCenter", { method: "POST", body: `data=${"x".repeat(MAX_BODY_BYTES)}` });
		expect([sent.body, sent.error, sent.status]).toEqual([failure(62), "REQUEST_TOO_LARGE", 200]);
	});

	it("answers data that is not a JSON object with BAD_JSON", async ({ expect }) => {
		for (const data of ["{", "[]", "42", "null", '"text"', ""]) {
			const sent = await post(data);
			expect([sent.body, sent.error], data).toEqual([failure(54), "BAD_JSON"]);
		}
	});
});

describe("the log", () => {
	afterEach(() => vi.restoreAllMocks());

	it("writes one JSON line per callback with action, group, requester, outcome and duration, and no member list", async ({ expect }) => {
		const id = await createGroup("alice", ["alice", "bob"]);
		const lines: string[] = [];
		vi.spyOn(console, "log").mockImplementation((line: string) => void lines.push(line));
		await post({ action: "AEC_GROUP_ADD_USER", userId: "mallory", groupId: id, addUsers: "secret-member-1,secret-member-2" });
		expect(lines).toHaveLength(1);
		const line = JSON.parse(lines[0] ?? "");
		expect(line).toMatchObject({ action: "AEC_GROUP_ADD_USER", groupId: id, requester: "mallory", outcome: "NOT_A_MEMBER" });
		expect(line.ms).toBeGreaterThanOrEqual(0);
		expect(line.ms).toBeLessThan(10_000);
		expect(lines[0]).not.toContain("secret-member");
		expect(lines[0]).not.toContain(TEST_GUARD_TOKEN);
	});

	it("logs OK on success, and a requester sent as a number or over 128 characters as clipped text", async ({ expect }) => {
		const lines: string[] = [];
		vi.spyOn(console, "log").mockImplementation((line: string) => void lines.push(line));
		await post({ action: "AEC_MSG_SERVER_GET_PUSH_MODE", userId: 892500 });
		await post({ action: "AEC_MSG_SERVER_GET_PUSH_MODE", userId: "x".repeat(300), groupId: 7 });
		const [first, second] = lines.map((l) => JSON.parse(l));
		expect([first.requester, first.outcome]).toEqual(["892500", "OK"]);
		expect([second.requester, second.groupId]).toEqual(["x".repeat(128), "7"]);
	});

	it("an exception while answering is INTERNAL_ERROR with the envelope, and the log says which", async ({ expect }) => {
		const lines: string[] = [];
		vi.spyOn(console, "log").mockImplementation((line: string) => void lines.push(line));
		// A create keys itself by the digest of its data: make that fail.
		vi.spyOn(crypto.subtle, "digest").mockRejectedValue(new Error("digest unavailable"));
		const sent = await post({ action: "AEC_GROUP_CREATE", userId: "ex-alice", addUsers: "ex-alice" });
		expect([sent.body, sent.error, sent.status]).toEqual([failure(1), "INTERNAL_ERROR", 200]);
		expect(lines.map((line) => JSON.parse(line))).toMatchObject([
			{ action: "AEC_GROUP_CREATE", outcome: "INTERNAL_ERROR", reason: "Error: digest unavailable" },
		]);
	});

	it("an unexpected failure is INTERNAL_ERROR with the envelope, and the reason goes to the log", async ({ expect }) => {
		const lines: string[] = [];
		vi.spyOn(console, "log").mockImplementation((line: string) => void lines.push(line));
		const sent = await sendWith(
			new Request(`http://aec.test/eventCenter?${form({ data: '{"action":"AEC_GROUP_SYNC_ALL","groupId":"1"}' })}`),
			{ ...env, GUARD_TOKEN: undefined, ALLOW_UNSIGNED: "true", MAX_GROUP_MEMBERS: "lots" },
		);
		expect([sent.body, sent.error, sent.status]).toEqual([failure(1), "INTERNAL_ERROR", 200]);
		expect(lines.join("\n")).toContain("MAX_GROUP_MEMBERS must be an integer");
	});
});

describe("a group's state only changes through valid callbacks", () => {
	it("a refused callback leaves the group as it was", async ({ expect }) => {
		const id = await createGroup("alice", ["alice", "bob"]);
		await post({ action: "AEC_GROUP_ADD_USER", userId: "alice", groupId: id, addUsers: "carol,bad\u0001id" });
		await post({ action: "AEC_GROUP_ADD_USER", userId: "alice", groupId: id, addUsers: ["carol"] });
		expect(await syncAll(id)).toBe(roster("alice,bob"));
	});
});
