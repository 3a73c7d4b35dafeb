import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, it } from "vitest";
import { readStarRtcData } from "../../src/protocol/starrtc-data";
import { ErrorCode, fail } from "../../src/protocol/errors";
import { DONE, createGroup, failure, form, post as postFresh, roster, send, syncAll } from "../helpers";

// These callbacks carry a fixed `ts` (as captured from the real servers): the freshness
// window and the replay cache are off for them, which reading a name does not depend on.
const post = (data: unknown, init: { token?: string } = {}) =>
	postFresh(data, { ...init, environment: { ...env, MAX_CALLBACK_AGE_SECONDS: "0" } });

// StarRTC escapes nothing in the `data` it sends (docs/protocol.md). Each case goes
// through the full HTTP path, signed, and checks the name the group stored.

/** What the group's object stored as its name. */
function storedName(groupId: string): Promise<string> {
	return runInDurableObject(
		env.GROUPS.getByName(groupId),
		(_, state) => state.storage.sql.exec<{ user_define_data: string }>("SELECT user_define_data FROM group_info").one().user_define_data,
	);
}

const createdId = (body: string) => /^\{"status":"1","data":"(\d+)"\}$/.exec(body)?.[1];

const HEAD = '{"ts":"1795696589","action":"AEC_GROUP_CREATE","userId":"alice","addUsers":"alice,bob","userDefineData":';

describe("group names as StarRTC sends them", () => {
	// [data, byte for byte as StarRTC's servers (release 2.9.6) sent it, the name the user gave createGroup]
	const measured: [string, string][] = [
		// The table.
		[`${HEAD}"中文"}`, "中文"],
		[`${HEAD}{"k":1,"n":"x"}}`, '{"k":1,"n":"x"}'],
		[String.raw`${HEAD}"a\b"}`, String.raw`a\b`],
		[String.raw`${HEAD}"say "hi" \back"}`, String.raw`say "hi" \back`],
		// More names measured the same way: a name starting with { or [ is sent bare.
		[`${HEAD}{ "k" : 1 }}`, '{ "k" : 1 }'],
		[`${HEAD}[1,2]}`, "[1,2]"],
		[`${HEAD}{"k":1}x}`, '{"k":1}x'],
		[`${HEAD}[urgent] team}`, "[urgent] team"],
		[`${HEAD}{}`, "{"],
		[String.raw`${HEAD}{"k":"\u0041"}}`, String.raw`{"k":"\u0041"}`],
		[`${HEAD}""q""}`, '"q"'],
		[`${HEAD}"x","evil":"y"}`, 'x","evil":"y'],
		[`${HEAD}"end"}"}`, 'end"}'],
		[`${HEAD}"}"}`, "}"],
		[String.raw`${HEAD}"\u4e2d"}`, String.raw`\u4e2d`],
		[`${HEAD}"a\nb"}`, "a\nb"],
		[`${HEAD}"\ttab\\"}`, "\ttab\\"],
		[`${HEAD}"a, b, c: {x}"}`, "a, b, c: {x}"],
		// Valid JSON whose later keys would have made mallory the creator: the name is the name.
		[`${HEAD}"x","userId":"mallory","addUsers":"mallory"}`, 'x","userId":"mallory","addUsers":"mallory'],
		[`${HEAD}"123"}`, "123"],
		[`${HEAD}""}`, ""],
	];
	for (const [data, name] of measured) {
		it(`a create named ${JSON.stringify(name)} succeeds and stores the name as typed`, async ({ expect }) => {
			const sent = await post(data);
			const id = createdId(sent.body);
			expect([id, sent.error], sent.body).toEqual([expect.stringMatching(/^\d+$/), null]);
			expect(await storedName(id ?? "")).toBe(name);
			expect(await syncAll(id ?? "")).toBe(roster("alice,bob"));
		});
	}

	it("a resent create with such a name finds its group", async ({ expect }) => {
		const data = String.raw`{"ts":"1795696600","action":"AEC_GROUP_CREATE","userId":"alice","addUsers":"alice","userDefineData":"once "only" \o/"}`;
		const first = await post(data);
		expect(createdId(first.body)).toBeDefined();
		expect((await post(data)).body).toBe(first.body);
	});

	it("an add carrying such a name adds, in both forms", async ({ expect }) => {
		const id = await createGroup("alice", ["bob"]);
		const add = (action: string, user: string) =>
			post(
				String.raw`{"ts":"1795696601","action":"${action}","userId":"alice","groupId":"${id}","addUsers":"${user}","userDefineData":"say "hi" \back"}`,
			);
		expect((await add("AEC_GROUP_ADD_USER", "dave")).body).toBe(DONE);
		expect((await add("AEC_GROUP_ADD_USER_AND_SYNC_ALL", "erin")).body).toBe(roster("alice,bob,dave,erin"));
	});

	it("hand-written JSON without StarRTC's ts keeps its JSON meaning", async ({ expect }) => {
		const escaped = await post(
			String.raw`{"action":"AEC_GROUP_CREATE","userId":"alice","addUsers":"bob","userDefineData":"say \"hi\" \\back"}`,
		);
		expect(await storedName(createdId(escaped.body) ?? "")).toBe(String.raw`say "hi" \back`);
		const value = await post('{"action":"AEC_GROUP_CREATE","userId":"alice","addUsers":"bob","userDefineData":{ "k": 1 }}');
		expect(await storedName(createdId(value.body) ?? "")).toBe('{"k":1}');
	});

	it("still bounds the name and checks the ids", async ({ expect }) => {
		const long = await post(`${HEAD}"${'"'.repeat(64 * 1024 + 1)}"}`);
		expect([long.body, long.error]).toEqual([failure(62), "MALFORMED_ARGUMENT"]);
		const comma = await post(
			'{"ts":"1795696589","action":"AEC_GROUP_CREATE","userId":"alice,eve","addUsers":"bob","userDefineData":"a"b"}',
		);
		expect([comma.body, comma.error]).toEqual([failure(62), "MALFORMED_ARGUMENT"]);
	});
});

describe("what the name rule does not read", () => {
	// Only a name is recovered; ids are never guessed, so anything else that is not JSON stays BAD_JSON.
	const broken: [string, string][] = [
		["a broken SYNC_ALL", '{"ts":"1795696589","action":"AEC_GROUP_SYNC_ALL","groupId":"100"000"}'],
		["a broken remove", '{"ts":"1795696589","action":"AEC_GROUP_REMOVE_USER","userId":"alice","groupId":"100000","removeUsers":"b"ob"}'],
		["a broken access validation", '{"ts":"1795696589","action":"AEC_ACCESS_VALIDATION","echostr":"e"7"}'],
		["a quote in the creator", '{"ts":"1795696589","action":"AEC_GROUP_CREATE","userId":"al"ice","addUsers":"alice","userDefineData":"n"}'],
		[
			"a quote in addUsers",
			'{"ts":"1795696589","action":"AEC_GROUP_CREATE","userId":"alice","addUsers":"alice,b"ob","userDefineData":"n"}',
		],
		[
			"a quote in the groupId of an add",
			'{"ts":"1795696589","action":"AEC_GROUP_ADD_USER","userId":"alice","groupId":"10"0","addUsers":"dave","userDefineData":"n"}',
		],
		["a create without ts", '{"action":"AEC_GROUP_CREATE","userId":"alice","addUsers":"alice","userDefineData":"say "hi""}'],
		[
			"fields out of StarRTC's order",
			'{"ts":"1795696589","userId":"alice","action":"AEC_GROUP_CREATE","addUsers":"alice","userDefineData":"a"b"}',
		],
		[
			"an extra field before the name",
			'{"ts":"1795696589","action":"AEC_GROUP_CREATE","userId":"alice","addUsers":"alice","x":"y","userDefineData":"a"b"}',
		],
		[
			"an add without its groupId",
			'{"ts":"1795696589","action":"AEC_GROUP_ADD_USER","userId":"alice","addUsers":"dave","userDefineData":"a"b"}',
		],
		["no closing brace", `${HEAD}"say "hi"`],
		["something after the closing brace", `${HEAD}"say "hi"} `],
		["a bare name not starting with { or [", `${HEAD}say "hi"}`],
		["a bare name with a brace later on", `${HEAD}say {"hi"}}`],
		["a bare name with a bracket later on", `${HEAD}say ["hi"]}`],
		["a lone quote for a name", `${HEAD}"}`],
		["nothing for a name", `${HEAD}}`],
	];
	for (const [name, data] of broken) {
		it(`answers ${name} with BAD_JSON`, async ({ expect }) => {
			const sent = await post(data);
			expect([sent.body, sent.error]).toEqual([failure(54), "BAD_JSON"]);
		});
	}

	it("checks the sign on the raw data first: a wrong or missing sign is BAD_SIGN", async ({ expect }) => {
		const data = String.raw`${HEAD}"say "hi" \back"}`;
		const wrong = await post(data, { token: "not-the-guard-token" });
		expect([wrong.body, wrong.error]).toEqual([failure(53), "BAD_SIGN"]);
		const unsigned = await send("/eventCenter", { method: "POST", body: form({ data }) });
		expect([unsigned.body, unsigned.error]).toEqual([failure(53), "BAD_SIGN"]);
		const junk = await send("/eventCenter", { method: "POST", body: form({ data: `${HEAD}"x"}}}`, sign: "AAAA" }) });
		expect([junk.body, junk.error]).toEqual([failure(53), "BAD_SIGN"]);
	});
});

describe("data that is not a JSON object", () => {
	it("says in the log which: not JSON at all, or JSON of another kind", ({ expect }) => {
		for (const data of ["{", "", "say hi"]) expect(readStarRtcData(data), data).toEqual(fail(ErrorCode.BadJson, "data is not JSON"));
		for (const data of ["[1]", "null", "5", '"x"'])
			expect(readStarRtcData(data), data).toEqual(fail(ErrorCode.BadJson, "data is not a JSON object"));
	});
});

describe("a create without a name", () => {
	it("stores the empty name, whether userDefineData is absent or null", async ({ expect }) => {
		for (const userDefineData of [undefined, null]) {
			const id =
				createdId((await post({ action: "AEC_GROUP_CREATE", userId: "nn-alice", addUsers: "nn-alice", userDefineData })).body) ?? "";
			expect(await storedName(id), String(userDefineData)).toBe("");
		}
	});
});

describe("a key named twice", () => {
	// StarRTC pastes ids unescaped too: a client's `100001","userId":"alice` becomes a second userId.
	it("is REPEATED_FIELD in StarRTC's layout and in plain JSON, naming the key", ({ expect }) => {
		const twice: [string, string][] = [
			['{"ts":"1","action":"AEC_GROUP_CREATE","userId":"alice","addUsers":"alice,q","userId":"victor","userDefineData":"probe"}', "userId"],
			[
				'{"ts":"1","action":"AEC_GROUP_ADD_USER","userId":"alice","groupId":"1","addUsers":"x","groupId":"2","userDefineData":"a"b"}',
				"groupId",
			],
			['{"ts":"1","action":"AEC_GROUP_DEL","userId":"mallory","groupId":"100001","userId":"alice"}', "userId"],
			['{"ts":"1","action":"AEC_GROUP_REMOVE_USER","userId":"alice","groupId":"1","removeUsers":"y","userId":"victor"}', "userId"],
		];
		for (const [data, key] of twice)
			expect(readStarRtcData(data), data).toEqual(fail(ErrorCode.RepeatedField, `data names "${key}" twice`));
	});

	it("after the name is part of the name: StarRTC writes the name last", ({ expect }) => {
		const data = '{"ts":"1","action":"AEC_GROUP_CREATE","userId":"alice","addUsers":"alice","userDefineData":"a","userDefineData":"b"}';
		expect(readStarRtcData(data)).toEqual({
			ok: true,
			value: { ts: "1", action: "AEC_GROUP_CREATE", userId: "alice", addUsers: "alice", userDefineData: 'a","userDefineData":"b' },
		});
	});
});
