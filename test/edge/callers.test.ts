import { env } from "cloudflare:workers";
import { afterEach, describe, it, vi } from "vitest";
import type { SettingsSource } from "../../src/config";
import { isAllowed, parseAddress, parseRanges } from "../../src/shared/addresses";
import { computeSign } from "../../src/edge/sign";
import worker from "../../src/index";
import { TEST_GUARD_TOKEN, createGroup, failure, form, loggedReasons, roster, sendWith, unixNow } from "../helpers";
import { assertNonCallbackAnswer } from "../starrtc-answer";

const SECRET = "Zq8-r7Xw_2mKp9vT";

/** A signed SYNC_ALL, as StarRTC posts it, to `path`, from `from` (CF-Connecting-IP). */
async function request(path: string, groupId: string, from?: string, method = "POST") {
	const data = JSON.stringify({ ts: unixNow(), action: "AEC_GROUP_SYNC_ALL", groupId });
	const headers = new Headers({ "Content-Type": "application/x-www-form-urlencoded" });
	if (from) headers.set("CF-Connecting-IP", from);
	return new Request(`http://aec.test${path}`, { method, headers, body: form({ data, sign: await computeSign(TEST_GUARD_TOKEN, data) }) });
}

/** The raw answer of a request StarRTC never sends, checked for its status and a safe body. */
async function refused(req: Request, environment: SettingsSource, status: 404 | 405 | 500) {
	const response = await worker.fetch(req, environment);
	const answer = {
		status: response.status,
		body: await response.text(),
		error: response.headers.get("X-AEC-Error"),
		headers: response.headers,
	};
	assertNonCallbackAnswer(answer, status);
	return answer;
}

describe("AEC_PATH_SECRET", () => {
	const withSecret = { ...env, AEC_PATH_SECRET: SECRET };

	it("takes callbacks only at the paths that hold the secret", async ({ expect }) => {
		const id = await createGroup("alice", ["alice", "bob"]);
		for (const path of [`/${SECRET}`, `/${SECRET}/`, `/${SECRET}/eventCenter`, `/${SECRET}/eventCenter.php`, `/eventCenter/${SECRET}`]) {
			expect((await sendWith(await request(path, id), withSecret)).body, path).toBe(roster("alice,bob"));
		}
	});

	it("answers NOT_FOUND everywhere else, the old paths included, and never logs the secret", async ({ expect }) => {
		const id = await createGroup("alice", ["alice", "bob"]);
		const lines: string[] = [];
		vi.spyOn(console, "log").mockImplementation((line: string) => void lines.push(line));
		const near = [
			SECRET.slice(0, -1),
			`${SECRET}x`,
			SECRET.toLowerCase(),
			`${SECRET}/eventCenter/x`,
			`eventCenter/${SECRET}/x`,
			`x/${SECRET}`,
			`${SECRET}/index.php`,
		];
		for (const path of ["/", "/eventCenter", "/eventCenter.php", "/eventCenter/", ...near.map((p) => `/${p}`)]) {
			const answer = await refused(await request(path, id), withSecret, 404);
			expect([answer.body, answer.error], path).toEqual([failure(62), "NOT_FOUND"]);
		}
		expect(lines.join("\n")).not.toContain(SECRET);
	});

	it("logs a refused path with every segment but the public words hidden, so no near miss shows most of the secret", async ({ expect }) => {
		const paths = [
			`/x/${SECRET}/y`,
			`/${SECRET.slice(0, -1)}`,
			`/${SECRET.slice(1)}/eventCenter`,
			`/eventCenter/${SECRET}x`,
			`/${SECRET}/eventCenter.php/`,
		];
		const logged = await loggedReasons(async () => {
			for (const path of paths) await refused(new Request(`http://aec.test${path}`, { method: "POST" }), withSecret, 404);
		});
		expect(logged).toEqual(
			["/*/*/*", "/*", "/*/eventCenter", "/eventCenter/*", "/*/eventCenter.php/"].map((p) => `no AEC endpoint at ${p}`),
		);
		// Without a secret there is nothing to hide: the path is logged as it came.
		const plain = await loggedReasons(() => refused(new Request("http://aec.test/admin/x", { method: "POST" }), env, 404));
		expect(plain).toEqual(["no AEC endpoint at /admin/x"]);
	});

	it("is checked for its form: a short secret makes every callback INTERNAL_ERROR, naming the variable", async ({ expect }) => {
		const lines: string[] = [];
		vi.spyOn(console, "log").mockImplementation((line: string) => void lines.push(line));
		const sent = await sendWith(await request("/short/eventCenter", "1"), { ...env, AEC_PATH_SECRET: "short" });
		expect([sent.body, sent.error]).toEqual([failure(1), "INTERNAL_ERROR"]);
		expect(lines.join("\n")).toContain("AEC_PATH_SECRET must be");
	});

	afterEach(() => vi.restoreAllMocks());
});

describe("AEC_ALLOWED_IPS", () => {
	const allowList = { ...env, AEC_ALLOWED_IPS: "192.0.2.0/24, 2001:db8::/32, 198.51.100.7" };

	it("takes callbacks from listed addresses and ranges, IPv4 and IPv6", async ({ expect }) => {
		const id = await createGroup("alice", ["alice"]);
		for (const from of ["192.0.2.1", "192.0.2.254", "198.51.100.7", "2001:db8::1", "2001:0db8:ffff::abcd", "::ffff:192.0.2.9"]) {
			expect((await sendWith(await request("/eventCenter", id, from), allowList)).body, from).toBe(roster("alice"));
		}
	});

	it("refuses every other source with SOURCE_NOT_ALLOWED (53), HTTP 200, before reading the callback", async ({ expect }) => {
		const id = await createGroup("alice", ["alice"]);
		for (const from of ["192.0.3.1", "198.51.100.8", "2001:db9::1", "10.0.0.1", "::1", "not an address", undefined]) {
			const sent = await sendWith(await request("/eventCenter", id, from), allowList);
			expect([sent.body, sent.error, sent.status], String(from)).toEqual([failure(53), "SOURCE_NOT_ALLOWED", 200]);
		}
	});

	it("logs which source was refused", async ({ expect }) => {
		const logged = await loggedReasons(async () => {
			await sendWith(await request("/eventCenter", "1", "10.0.0.1"), allowList);
			await sendWith(await request("/eventCenter", "1"), allowList);
		});
		expect(logged).toEqual(["10.0.0.1 is not in AEC_ALLOWED_IPS", "no CF-Connecting-IP is not in AEC_ALLOWED_IPS"]);
	});

	it("reads addresses as 128-bit numbers, IPv4 as ::ffff:a.b.c.d", ({ expect }) => {
		const cases: [string, bigint | undefined][] = [
			["0.0.0.0", 0xffff00000000n],
			["255.255.255.255", 0xffffffffffffn],
			["192.0.2.1", 0xffffc0000201n],
			["::", 0n],
			["::1", 1n],
			["1::", 1n << 112n],
			["1:2:3:4:5:6:7:8", 0x00010002000300040005000600070008n],
			["1:2:3:4:5:6::7", 0x00010002000300040005000600000007n],
			["1::2:3:4:5:6:7", 0x00010000000200030004000500060007n],
			["::ffff:192.0.2.1", 0xffffc0000201n],
			["1:2:3:4:5:6:1.2.3.4", 0x00010002000300040005000601020304n],
			["ABCD::ef", 0xabcd00000000000000000000000000efn],
			// Refused: too many parts, "::" twice, a bad dotted tail, groups of five digits or not hex.
			["1:2:3:4:5:6:7::8", undefined],
			["1:2:3:4:5:6:7:8:9", undefined],
			["1:2:3:4:5:6:7", undefined],
			["1::2::3", undefined],
			["::ffff:1.2.3.256", undefined],
			["::12345", undefined],
			["::g1", undefined],
			["1g::", undefined],
			["256.1.1.1", undefined],
			["01.2.3.4", undefined],
			["", undefined],
		];
		for (const [text, value] of cases) expect(parseAddress(text), text).toBe(value);
	});

	it("parses CIDR lists strictly", ({ expect }) => {
		expect(parseRanges(" 10.0.0.0/8 ,, ::1 ,")).toEqual([
			{ network: 0xffff0an, prefix: 104 },
			{ network: 1n, prefix: 128 },
		]);
		for (const bad of ["10.0.0.0/08", "10.0.0.0/1e1", "10.0.0.0/x8", "10.0.0.0/8x", "10.0.0.0/-1", ",", ""]) {
			expect(parseRanges(bad), bad).toBeUndefined();
		}
		expect(parseRanges("10.0.0.0/8,::1,fe80::/10,::ffff:0:0/96")).toHaveLength(4);
		for (const bad of [
			"10.0.0.0/33",
			"10.0.0",
			"256.1.1.1",
			"1.2.3.4/",
			"2001:db8::/129",
			"2001:db8:::1",
			"1:2:3:4:5:6:7:8:9",
			"10.0.0.0/8/8",
			"01.2.3.4",
			"x",
		]) {
			expect(parseRanges(bad), bad).toBeUndefined();
		}
		const ranges = parseRanges("0.0.0.0/0") ?? [];
		expect([isAllowed(ranges, "203.0.113.5"), isAllowed(ranges, "2001:db8::1")]).toEqual([true, false]);
		expect(isAllowed(parseRanges("::/0") ?? [], "2001:db8::1")).toBe(true);
		expect(isAllowed(parseRanges("1:2:3:4:5:6:7.8.9.10") ?? [], "1:2:3:4:5:6:708:90a")).toBe(true);
	});

	it("a bad list makes every callback INTERNAL_ERROR, naming the variable", async ({ expect }) => {
		const sent = await sendWith(await request("/eventCenter", "1", "192.0.2.1"), { ...env, AEC_ALLOWED_IPS: "192.0.2.0/33" });
		expect([sent.body, sent.error]).toEqual([failure(1), "INTERNAL_ERROR"]);
	});
});

describe("requests StarRTC never sends", () => {
	afterEach(() => vi.restoreAllMocks());

	it("HEAD on a callback path is METHOD_NOT_ALLOWED and does not run the callback", async ({ expect }) => {
		const id = await createGroup("alice", ["alice"]);
		const data = JSON.stringify({ ts: unixNow(), action: "AEC_GROUP_DEL", userId: "alice", groupId: id });
		const query = form({ data, sign: await computeSign(TEST_GUARD_TOKEN, data) });
		const response = await worker.fetch(new Request(`http://aec.test/eventCenter?${query}`, { method: "HEAD" }), env);
		expect([response.status, response.headers.get("X-AEC-Error")]).toEqual([405, "METHOD_NOT_ALLOWED"]);
		expect((await sendWith(await request("/eventCenter", id), env)).body).toBe(roster("alice"));
	});

	it("/healthz answers 500 naming a bad setting (never its value), and 200 when all are good", async ({ expect }) => {
		const ok = await worker.fetch(new Request("http://aec.test/healthz"), env);
		expect([ok.status, await ok.text()]).toEqual([200, '{"status":"1"}']);
		for (const [name, value] of [
			["PUSH_MODE", "5"],
			["MAX_GROUP_MEMBERS", "lots"],
			["AEC_PATH_SECRET", "short"],
			["AEC_ALLOWED_IPS", "x"],
		] as const) {
			const answer = await refused(new Request("http://aec.test/healthz"), { ...env, [name]: value }, 500);
			expect([answer.error, answer.headers.get("X-AEC-Setting")], name).toEqual(["INTERNAL_ERROR", name]);
		}
	});

	it("an 8,000-character path is logged clipped", async ({ expect }) => {
		const lines: string[] = [];
		vi.spyOn(console, "log").mockImplementation((line: string) => void lines.push(line));
		await refused(new Request(`http://aec.test/${"a".repeat(8000)}`, { method: "POST" }), env, 404);
		expect(lines).toHaveLength(1);
		expect(lines[0]?.length).toBeLessThan(400);
	});
});

describe("rate limits (the optional CALLBACKS_PER_IP and CALLBACKS_PER_GROUP bindings)", () => {
	/** A Rate Limiting binding that allows `limit` calls per key. */
	function limiter(limit: number) {
		const counts = new Map<string, number>();
		const binding: RateLimit = {
			limit: async ({ key }) => {
				counts.set(key, (counts.get(key) ?? 0) + 1);
				return { success: (counts.get(key) ?? 0) <= limit };
			},
		};
		return { binding, counts };
	}

	it('per source address: over the limit is RATE_LIMITED ("1"), other addresses go on', async ({ expect }) => {
		const id = await createGroup("alice", ["alice"]);
		const perIp = limiter(2);
		const limited = { ...env, CALLBACKS_PER_IP: perIp.binding };
		const answers = [];
		for (let i = 0; i < 3; i++) answers.push((await sendWith(await request("/eventCenter", id, "192.0.2.1"), limited)).error);
		expect(answers).toEqual([null, null, "RATE_LIMITED"]);
		expect((await sendWith(await request("/eventCenter", id, "192.0.2.1"), limited)).body).toBe(failure(1));
		expect((await sendWith(await request("/eventCenter", id, "192.0.2.2"), limited)).body).toBe(roster("alice"));
	});

	it("per source address: an IPv6 address counts with its whole /64, an IPv4 address alone", async ({ expect }) => {
		const id = await createGroup("alice", ["alice"]);
		const perIp = limiter(2);
		const limited = { ...env, CALLBACKS_PER_IP: perIp.binding };
		const answers = [];
		// Three addresses of one /64, written three ways: one bucket.
		for (const from of ["2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:0DB8:0001:0002:0:0:0:abcd"]) {
			answers.push((await sendWith(await request("/eventCenter", id, from), limited)).error);
		}
		expect(answers).toEqual([null, null, "RATE_LIMITED"]);
		// The next /64 and IPv4 neighbours are buckets of their own; a mapped IPv4 address is that IPv4 address.
		expect((await sendWith(await request("/eventCenter", id, "2001:db8:1:3::1"), limited)).error).toBe(null);
		for (const from of ["192.0.2.1", "192.0.2.2", "::ffff:192.0.2.1"]) await sendWith(await request("/eventCenter", id, from), limited);
		expect(Object.fromEntries(perIp.counts)).toEqual({ "2001:db8:1:2::/64": 3, "2001:db8:1:3::/64": 1, "192.0.2.1": 2, "192.0.2.2": 1 });
	});

	it("per group: over the limit is RATE_LIMITED, other groups go on", async ({ expect }) => {
		const [a, b] = [await createGroup("alice", ["alice"]), await createGroup("bob", ["bob"])];
		const perGroup = limiter(1);
		const limited = { ...env, CALLBACKS_PER_GROUP: perGroup.binding };
		expect((await sendWith(await request("/eventCenter", a), limited)).body).toBe(roster("alice"));
		expect((await sendWith(await request("/eventCenter", a), limited)).error).toBe("RATE_LIMITED");
		expect((await sendWith(await request("/eventCenter", b), limited)).body).toBe(roster("bob"));
		expect([...perGroup.counts.keys()]).toEqual([a, b]);
	});

	it("log the key that went over", async ({ expect }) => {
		const perIp = limiter(0);
		const limited = { ...env, CALLBACKS_PER_IP: perIp.binding };
		const logged = await loggedReasons(async () => {
			await sendWith(await request("/eventCenter", "1", "192.0.2.9"), limited);
			await sendWith(await request("/eventCenter", "1"), limited);
		});
		expect(logged).toEqual(["over the CALLBACKS_PER_IP limit for 192.0.2.9", "over the CALLBACKS_PER_IP limit for no CF-Connecting-IP"]);
		expect([...perIp.counts.keys()]).toEqual(["192.0.2.9", ""]);
	});

	it("a limiter that fails lets the callback through: it guards capacity, not correctness", async ({ expect }) => {
		const id = await createGroup("alice", ["alice"]);
		const broken: RateLimit = { limit: async () => Promise.reject(new Error("limiter down")) };
		const environment = { ...env, CALLBACKS_PER_IP: broken, CALLBACKS_PER_GROUP: broken };
		expect((await sendWith(await request("/eventCenter", id, "192.0.2.1"), environment)).body).toBe(roster("alice"));
	});

	it("are off without the bindings (the shipped wrangler.toml has none)", ({ expect }) => {
		expect([(env as SettingsSource).CALLBACKS_PER_IP, (env as SettingsSource).CALLBACKS_PER_GROUP]).toEqual([undefined, undefined]);
	});
});
