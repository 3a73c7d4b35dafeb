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
		for (const bad of ["a\u0000b", "a\tb", "a\nb", "a\u007fb", "a\u0085b", "a\ud800b", "a\udc00", "x".repeat(MAX_USER_ID_BYTES + 1), "测".repeat(43)]) {
			const outcome = parseIdList("addUsers", `ok,${bad}`);
			expect(outcome.ok, JSON.stringify(bad)).toBe(false);
		}
		expect(value(parseIdList("addUsers", "x".repeat(MAX_USER_ID_BYTES)))).toHaveLength(1);
		expect(value(parseIdList("addUsers", "测".repeat(42)))).toHaveLength(1); // 126 bytes
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
