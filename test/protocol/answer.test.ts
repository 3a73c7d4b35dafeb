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
		expect([ErrorCode.MalformedArgument, ErrorCode.UnknownAction, ErrorCode.GroupFull, ErrorCode.RequestTooLarge].map(entry)).toEqual(["62", "62", "62", "62"]);
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
	it("escape quotes and backslashes in ids exactly as JSON does", ({ expect }) => {
		const groupList = 'a"b,c\\d,plain,测试';
		const body = Answer.roster({ groupList, ignoreList: 'a"b' }).body;
		expect(JSON.parse(body)).toEqual({ status: "1", data: { groupList, ignoreList: 'a"b' } });
		expect(body).toBe(`{"status":"1","data":{"groupList":${JSON.stringify(groupList)},"ignoreList":"a\\"b"}}`);
		expect(Answer.roster({ groupList: "c\\d", ignoreList: "c\\d" }).body).toBe('{"status":"1","data":{"groupList":"c\\\\d","ignoreList":"c\\\\d"}}');
	});
});
