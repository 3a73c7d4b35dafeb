import { describe, it } from "vitest";
import { ErrorCode, fail, ok } from "../../src/protocol/errors";
import { parseJsonObject } from "../../src/protocol/json";

// JSON.parse keeps the last of two equal keys; the strict reading refuses them instead.
describe("a JSON object read strictly", () => {
	it("is refused when a key is named twice, wherever it is", ({ expect }) => {
		const twice: [string, string][] = [
			['{"userId":"mallory","groupId":"1","userId":"alice"}', "userId"],
			['{"a":1,"a":1}', "a"],
			['{"a":{"k":1,"k":2}}', "k"],
			['{"a":[{"k":1,"k":2}]}', "k"],
			// Escapes decode to the same key.
			['{"userId":"mallory","user\\u0049d":"alice"}', "userId"],
			['{"a\\"b":1,"a\\u0022b":2}', 'a"b'],
			// Whitespace around the colon changes nothing.
			['{ "k" : 1 , "k"\n:\t2 }', "k"],
			['{"":1,"":2}', ""],
		];
		for (const [text, key] of twice)
			expect(parseJsonObject(text), text).toEqual(fail(ErrorCode.RepeatedField, `names ${JSON.stringify(key)} twice`));
	});

	it("takes keys that only look alike, and equal keys in different objects", ({ expect }) => {
		const once = [
			'{"userId":"a","userid":"b","userId ":"c","user_id":"d"}',
			'{"a":{"k":1},"b":{"k":2},"k":3}',
			'{"a":[{"k":1},{"k":2}]}',
			// Text that reads like a key inside a value is not a key.
			'{"userDefineData":"x\\",\\"userId\\":\\"y","userId":"alice"}',
			'{"list":["k","k"],"k":"k:"}',
		];
		for (const text of once) expect(parseJsonObject(text), text).toEqual(ok(JSON.parse(text)));
	});

	it("names the key it refused, cut to 64 characters", ({ expect }) => {
		const key = "k".repeat(100);
		expect(parseJsonObject(`{"${key}":1,"${key}":2}`)).toEqual(fail(ErrorCode.RepeatedField, `names "${"k".repeat(64)}" twice`));
	});

	it("is refused when it is not JSON, or not an object", ({ expect }) => {
		for (const text of ["{", "", "{'a':1}"]) expect(parseJsonObject(text), text).toEqual(fail(ErrorCode.BadJson, "is not JSON"));
		for (const text of ["[1]", "null", "5", '"x"', "true"])
			expect(parseJsonObject(text), text).toEqual(fail(ErrorCode.BadJson, "is not a JSON object"));
	});
});
