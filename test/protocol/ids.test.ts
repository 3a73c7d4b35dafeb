import { describe, it } from "vitest";
import { MAX_USER_ID_BYTES, parseGroupId, parseIdList, parseUserId } from "../../src/protocol/ids";

const value = <T>(outcome: { ok: true; value: T } | { ok: false }) => (outcome.ok ? outcome.value : "refused");

describe("id lists", () => {
	it("trims entries, drops empty ones and merges repeats in first-seen order", ({ expect }) => {
		expect(value(parseIdList("addUsers", " bob , ,alice,,bob,carol ,alice"))).toEqual(["bob", "alice", "carol"]);
		expect(value(parseIdList("addUsers", ",,, ,"))).toEqual([]);
	});

	it("keeps emoji and CJK ids exactly", ({ expect }) => {
		expect(value(parseIdList("addUsers", "测试群,😀user,ünï"))).toEqual(["测试群", "😀user", "ünï"]);
	});

	it("refuses control characters, NUL, unpaired surrogates and over-long ids", ({ expect }) => {
		for (const bad of [
			"a\u0000b",
			"a\tb",
			"a\nb",
			"a\u007fb",
			"a\u0085b",
			"a\ud800b",
			"a\udc00",
			"x".repeat(MAX_USER_ID_BYTES + 1),
			"测".repeat(43),
		]) {
			const outcome = parseIdList("addUsers", `ok,${bad}`);
			expect(outcome.ok, JSON.stringify(bad)).toBe(false);
		}
		expect(value(parseIdList("addUsers", "x".repeat(MAX_USER_ID_BYTES)))).toHaveLength(1);
		expect(value(parseIdList("addUsers", "测".repeat(42)))).toHaveLength(1); // 126 bytes
	});
});

describe("ids StarRTC cannot carry", () => {
	it("refuses a quote or a backslash anywhere in an id: StarRTC does not decode JSON escapes", ({ expect }) => {
		for (const bad of ['a"b', '"', "a\\b", "\\", 'x\\"']) {
			expect(parseIdList("addUsers", `ok,${bad}`).ok, bad).toBe(false);
			expect(parseUserId("userId", bad).ok, bad).toBe(false);
		}
	});

	it("trims only ASCII spaces and tabs, and refuses invisible characters instead of trimming them", ({ expect }) => {
		expect(value(parseUserId("userId", " \t alice \t"))).toBe("alice");
		const invisible = [
			"\u00a0",
			"\u00ad",
			"\u061c",
			"\u1680",
			"\u180e",
			"\u2000",
			"\u2007",
			"\u200a",
			"\u200b",
			"\u200c",
			"\u200d",
			"\u200e",
			"\u200f",
			"\u2028",
			"\u2029",
			"\u202a",
			"\u202e",
			"\u202f",
			"\u205f",
			"\u2060",
			"\u2064",
			"\u2066",
			"\u2069",
			"\u3000",
			"\ufeff",
		];
		for (const c of invisible) {
			const name = `U+${c.codePointAt(0)?.toString(16).padStart(4, "0")}`;
			expect(parseUserId("userId", ` alice${c}`).ok, name).toBe(false);
			expect(parseUserId("userId", `${c}alice`).ok, name).toBe(false);
			expect(parseUserId("userId", `al${c}ice`).ok, name).toBe(false);
			expect(parseIdList("addUsers", `bob,${c}`).ok, name).toBe(false);
		}
		expect(parseGroupId("\u00a0100001").ok).toBe(false);
	});
});

describe("single ids", () => {
	it("user ids are trimmed and may not be empty or hold a comma", ({ expect }) => {
		expect(value(parseUserId("userId", "  alice "))).toBe("alice");
		expect(parseUserId("userId", "   ").ok).toBe(false);
		expect(parseUserId("userId", "a,b").ok).toBe(false);
	});

	it("group ids are positive decimal integers", ({ expect }) => {
		expect(value(parseGroupId(" 100001 "))).toBe("100001");
		for (const bad of ["", "abc", "-1", "0", "007", "1.5", "1e5", "12 34", "1;DROP TABLE members", "../1", "99999999999999999999"]) {
			expect(parseGroupId(bad).ok, bad).toBe(false);
		}
	});
});
