import { describe, it } from "vitest";
import { Answer, toResponse } from "../../src/protocol/answer";
import { ErrorCode, errorTable, fail } from "../../src/protocol/errors";

describe("answers", () => {
	it("every failure names a StarRTC error-table entry as a decimal string in 1..100", ({ expect }) => {
		for (const code of Object.values(ErrorCode)) {
			const { body, error } = Answer.failure(fail(code, "why"));
			const match = /^\{"status":"0","data":"(\d+)"\}$/.exec(body);
			expect(match, code).not.toBeNull();
			const n = Number(match?.[1]);
			expect(n >= 1 && n <= 100, code).toBe(true);
			expect(error).toBe(code);
		}
	});

	it("uses the entries the issue assigns", ({ expect }) => {
		const entry = (code: ErrorCode) => errorTable[code];
		expect([ErrorCode.MalformedArgument, ErrorCode.UnknownAction, ErrorCode.GroupFull, ErrorCode.RequestTooLarge].map(entry)).toEqual([
			"62",
			"62",
			"62",
			"62",
		]);
		expect(entry(ErrorCode.BadJson)).toBe("54");
		expect([ErrorCode.BadSign, ErrorCode.PermissionDenied, ErrorCode.RemoveCreator].map(entry)).toEqual(["53", "53", "53"]);
		expect(entry(ErrorCode.UnknownGroup)).toBe("47");
		expect(entry(ErrorCode.NotAMember)).toBe("49");
		expect([ErrorCode.UpstreamFailure, ErrorCode.InternalError].map(entry)).toEqual(["1", "1"]);
	});

	it("builds success bodies with status first, no whitespace, strings only", ({ expect }) => {
		expect(Answer.done().body).toBe('{"status":"1"}');
		expect(Answer.value("100004").body).toBe('{"status":"1","data":"100004"}');
		expect(Answer.roster({ groupList: "a,b,c", ignoreList: "" }).body).toBe('{"status":"1","data":{"groupList":"a,b,c"}}');
		expect(Answer.roster({ groupList: "a,b,c", ignoreList: "b" }).body).toBe(
			'{"status":"1","data":{"groupList":"a,b,c","ignoreList":"b"}}',
		);
		expect(Answer.roster({ groupList: "测试,😀", ignoreList: "" }).body).toBe('{"status":"1","data":{"groupList":"测试,😀"}}');
	});

	it("failure responses are HTTP 200 and carry our code in X-AEC-Error and a JSON content type", async ({ expect }) => {
		const response = toResponse(Answer.failure(fail(ErrorCode.NotAMember, "x")));
		expect(response.status).toBe(200);
		expect(response.headers.get("X-AEC-Error")).toBe("NOT_A_MEMBER");
		expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
		expect(await response.text()).toBe('{"status":"0","data":"49"}');
	});
});

describe("member lists in answers", () => {
	it("go in as raw UTF-8, never escaped: ids cannot hold what would need escaping", ({ expect }) => {
		const body = Answer.roster({ groupList: "plain,测试,😀,ünï", ignoreList: "测试" }).body;
		expect(body).toBe('{"status":"1","data":{"groupList":"plain,测试,😀,ünï","ignoreList":"测试"}}');
		expect(body).not.toContain("\\");
	});
});

describe("upstream answers", () => {
	const relayed = (body: string) => Answer.relay(body);

	it("are relayed re-written in canonical form: status first, no whitespace, strings only", ({ expect }) => {
		expect(relayed('{"status":"1" , "data" : {"groupList":"a,b"}}').body).toBe('{"status":"1","data":{"groupList":"a,b"}}');
		expect(relayed(' {"data":"3","status":"1"}\n').body).toBe('{"status":"1","data":"3"}');
		expect(relayed('{"status":"1"}').body).toBe('{"status":"1"}');
		expect(relayed('{"status":"0","data":"32"}').body).toBe('{"status":"0","data":"32"}');
		expect(relayed('{"status":"1","data":"测试"}').body).toBe('{"status":"1","data":"测试"}');
		// Keys may repeat at other depths, and a string value is never a key.
		expect(relayed('{"status":"1","data":{"status":"1","data":"x"}}').body).toBe('{"status":"1","data":{"status":"1","data":"x"}}');
		expect(relayed('{"status":"1","data":"status"}').body).toBe('{"status":"1","data":"status"}');
		expect(relayed('{"status":"1","data":{"a":"{","b":"}"}}').body).toBe('{"status":"1","data":{"a":"{","b":"}"}}');
	});

	it("are UPSTREAM_FAILURE in any other shape", ({ expect }) => {
		for (const body of [
			'{"status":"1","data":10001}',
			'{"status":"1","status":"0","data":"999"}',
			'{"status":"1","data":{"groupList":"a","groupList":"b"}}',
			'{"status":"1","e500":1}',
			'{"status":1}',
			'{"status":"2"}',
			'{"status":"0"}',
			'{"status":"0","data":"101"}',
			'{"status":"0","data":"group not found"}',
			'{"status":"1","data":{"groupList":["a"]}}',
			'{"status":"1","data":["a"]}',
			'{"status":"1","data":"a\\u0001"}',
			"[]",
			'["1"]',
			"null",
			'"status"',
			"1",
			"true",
			"<br /><b>Fatal error</b>",
			// A key named again at the same depth, after a nested object or a value holding a brace.
			'{"data":{"a":"b"},"data":"x","status":"1"}',
			'{"data":"{","data":"x","status":"1"}',
			'{"data":"}","status":"1","data":"x"}',
			// An object `data` relays only when every entry is plain text.
			'{"status":"1","data":{"a":"b","c":1}}',
			'{"status":"1","data":{"a":1,"c":"d"}}',
		]) {
			expect([relayed(body).body, relayed(body).error], body).toEqual(['{"status":"0","data":"1"}', "UPSTREAM_FAILURE"]);
		}
		// The log's reason quotes the first 80 characters of what came back.
		const page = `<html>${"x".repeat(200)}</html>`;
		expect(relayed(page).reason).toBe(`upstream answered ${JSON.stringify(page.slice(0, 80))}`);
	});
});
