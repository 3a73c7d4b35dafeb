import { describe, it } from "vitest";
import { createGroup, failure, post, roster, syncAll, unixNow } from "../helpers";

// Validation of `data`, seen as StarRTC sees it: over HTTP, each failure with its code.
describe("callback validation", () => {
	it("accepts numbers where the protocol says string", async ({ expect }) => {
		const created = await post({ action: "AEC_GROUP_CREATE", userId: 892500, addUsers: "892500,500660", userDefineData: 888 });
		const id = /"data":"(\d+)"/.exec(created.body)?.[1] ?? "";
		expect((await post({ action: "AEC_GROUP_ADD_USER", userId: 892500, groupId: Number(id), addUsers: 42 })).body).toBe('{"status":"1"}');
		expect(await syncAll(id)).toBe(roster("892500,500660,42"));
	});

	it("trims ids, drops empty entries and merges repeats", async ({ expect }) => {
		const id = await createGroup(" alice ", [" bob", "", "carol ", "bob", "alice"]);
		expect(await syncAll(id)).toBe(roster("alice,bob,carol"));
	});

	it("keeps emoji and CJK ids exactly", async ({ expect }) => {
		const id = await createGroup("测试", ["测试", "😀", "ünï"]);
		expect(await syncAll(id)).toBe(roster("测试,😀,ünï"));
	});

	it("makes the creator a member, first, even when addUsers leaves them out", async ({ expect }) => {
		const id = await createGroup("alice", ["bob", "carol"]);
		expect(await syncAll(id)).toBe(roster("alice,bob,carol"));
		const alone = await post({ action: "AEC_GROUP_CREATE", userId: "zoe" });
		expect(await syncAll(/"data":"(\d+)"/.exec(alone.body)?.[1] ?? "")).toBe(roster("zoe"));
	});

	it("refuses ids StarRTC cannot carry, and such a callback changes nothing", async ({ expect }) => {
		const id = await createGroup("alice", ["alice", "bob"]);
		for (const bad of ['q"uote', "back\\slash", "alice\u00a0", "\ufeffalice", "al\u200bice", "bob\u202e"]) {
			const created = await post({ action: "AEC_GROUP_CREATE", userId: bad, addUsers: "carol" });
			expect([created.body, created.error], JSON.stringify(bad)).toEqual([failure(62), "MALFORMED_ARGUMENT"]);
			const added = await post({ action: "AEC_GROUP_ADD_USER", userId: "alice", groupId: id, addUsers: `carol,${bad}` });
			expect([added.body, added.error], JSON.stringify(bad)).toEqual([failure(62), "MALFORMED_ARGUMENT"]);
			const removed = await post({ action: "AEC_GROUP_REMOVE_USER", userId: ` ${bad} `, groupId: id, removeUsers: "bob" });
			expect([removed.body, removed.error], JSON.stringify(bad)).toEqual([failure(62), "MALFORMED_ARGUMENT"]);
		}
		expect(await syncAll(id)).toBe(roster("alice,bob"));
	});

	it("counts userDefineData in UTF-8 bytes: 64 KiB of bytes passes, one byte more does not", async ({ expect }) => {
		const fits = await post({ action: "AEC_GROUP_CREATE", userId: "a", userDefineData: `${"测".repeat(21845)}x` });
		expect(fits.body).toMatch(/^\{"status":"1","data":"\d+"\}$/);
		const over = await post({ action: "AEC_GROUP_CREATE", userId: "a", userDefineData: "测".repeat(21846) });
		expect([over.body, over.error]).toEqual([failure(62), "MALFORMED_ARGUMENT"]);
	});

	const malformed: [string, unknown][] = [
		["no action", { userId: "a", groupId: "100000" }],
		["action not a string", { action: ["AEC_GROUP_SYNC_ALL"], groupId: "100000" }],
		["no groupId", { action: "AEC_GROUP_SYNC_ALL" }],
		["groupId text", { action: "AEC_GROUP_SYNC_ALL", groupId: "abc" }],
		["groupId negative", { action: "AEC_GROUP_SYNC_ALL", groupId: "-5" }],
		["groupId huge", { action: "AEC_GROUP_SYNC_ALL", groupId: "123456789012345678901234" }],
		["groupId with inner space", { action: "AEC_GROUP_SYNC_ALL", groupId: "100 000" }],
		["groupId SQL", { action: "AEC_GROUP_SYNC_ALL", groupId: "1; DROP TABLE members" }],
		["groupId path", { action: "AEC_GROUP_SYNC_ALL", groupId: "../100000" }],
		["groupId object", { action: "AEC_GROUP_SYNC_ALL", groupId: { id: 1 } }],
		["groupId boolean", { action: "AEC_GROUP_SYNC_ALL", groupId: true }],
		["no userId", { action: "AEC_GROUP_DEL", groupId: "100000" }],
		["empty userId", { action: "AEC_GROUP_CREATE", userId: " ", addUsers: "a" }],
		["userId with comma", { action: "AEC_GROUP_CREATE", userId: "a,b", addUsers: "a" }],
		["userId array", { action: "AEC_GROUP_CREATE", userId: ["a"], addUsers: "a" }],
		["userId too long", { action: "AEC_GROUP_CREATE", userId: "x".repeat(129) }],
		["addUsers missing", { action: "AEC_GROUP_ADD_USER", userId: "a", groupId: "100000" }],
		["addUsers only commas", { action: "AEC_GROUP_ADD_USER", userId: "a", groupId: "100000", addUsers: ",,," }],
		["addUsers with NUL", { action: "AEC_GROUP_ADD_USER", userId: "a", groupId: "100000", addUsers: "b\u0000c" }],
		["addUsers with lone surrogate", { action: "AEC_GROUP_ADD_USER", userId: "a", groupId: "100000", addUsers: "b\ud800" }],
		["removeUsers null", { action: "AEC_GROUP_REMOVE_USER", userId: "a", groupId: "100000", removeUsers: null }],
		[
			"removeUsers over the limit",
			{
				action: "AEC_GROUP_REMOVE_USER",
				userId: "a",
				groupId: "100000",
				removeUsers: Array.from({ length: 20001 }, (_, i) => `u${i}`).join(","),
			},
		],
		["echostr missing", { action: "AEC_ACCESS_VALIDATION" }],
		["userDefineData too long", { action: "AEC_GROUP_CREATE", userId: "a", userDefineData: "x".repeat(64 * 1024 + 1) }],
	];
	for (const [name, data] of malformed) {
		it(`refuses ${name} with MALFORMED_ARGUMENT`, async ({ expect }) => {
			const sent = await post(data);
			expect([sent.body, sent.error]).toEqual([failure(62), "MALFORMED_ARGUMENT"]);
		});
	}

	it("refuses a number that is not finite where text is expected (JSON reads 1e999 as Infinity)", async ({ expect }) => {
		const sent = await post(`{"ts":"${unixNow()}","action":"AEC_GROUP_CREATE","userId":1e999,"addUsers":"a"}`);
		expect([sent.body, sent.error]).toEqual([failure(62), "MALFORMED_ARGUMENT"]);
	});

	it("takes userDefineData of exactly 64 KiB", async ({ expect }) => {
		const sent = await post({ action: "AEC_GROUP_CREATE", userId: "a", userDefineData: "x".repeat(64 * 1024) });
		expect(sent.body).toMatch(/^\{"status":"1","data":"\d+"\}$/);
	});

	it("refuses an unknown action with UNKNOWN_ACTION (no upstream configured)", async ({ expect }) => {
		// Names every object has (constructor, toString, …) are not actions either.
		for (const action of [
			"AEC_GROUP_EXPLODE",
			"aec_group_sync_all",
			"AEC_VOIP_CALL",
			"constructor",
			"toString",
			"__proto__",
			"hasOwnProperty",
		]) {
			const sent = await post({ action, groupId: "100000" });
			expect([sent.body, sent.error], action).toEqual([failure(62), "UNKNOWN_ACTION"]);
		}
	});

	it("refuses a create over MAX_GROUP_MEMBERS with GROUP_FULL, and takes one at the limit", async ({ expect }) => {
		const ids = Array.from({ length: 20000 }, (_, i) => `member-${i}-${"x".repeat(110)}`);
		const over = await post({ action: "AEC_GROUP_CREATE", userId: "boss", addUsers: [...ids].join(",") });
		expect([over.body, over.error]).toEqual([failure(62), "GROUP_FULL"]);
		// The creator plus 19,999 ids of ~120 bytes: the largest create, and it fits the body limit.
		const full = await post({ action: "AEC_GROUP_CREATE", userId: "boss", addUsers: ids.slice(1).join(",") });
		const id = /"data":"(\d+)"/.exec(full.body)?.[1] ?? "";
		expect(id).not.toBe("");
		const listed = JSON.parse(await syncAll(id)).data.groupList.split(",");
		expect(listed).toHaveLength(20000);
		expect(listed.slice(0, 2)).toEqual(["boss", ids[1]]);
		const more = await post({ action: "AEC_GROUP_ADD_USER", userId: "boss", groupId: id, addUsers: "one-too-many" });
		expect([more.body, more.error]).toEqual([failure(62), "GROUP_FULL"]);
	});

	it("answers an unknown group with UNKNOWN_GROUP for every group action", async ({ expect }) => {
		const actions = [
			{ action: "AEC_GROUP_SYNC_ALL" },
			{ action: "AEC_GROUP_DEL", userId: "a" },
			{ action: "AEC_GROUP_ADD_USER", userId: "a", addUsers: "b" },
			{ action: "AEC_GROUP_ADD_USER_AND_SYNC_ALL", userId: "a", addUsers: "b" },
			{ action: "AEC_GROUP_REMOVE_USER", userId: "a", removeUsers: "b" },
			{ action: "AEC_GROUP_REMOVE_USER_AND_SYNC_ALL", userId: "a", removeUsers: "b" },
			{ action: "AEC_SET_GROUP_PUSH_IGNORE", userId: "a" },
			{ action: "AEC_SET_GROUP_PUSH_IGNORE_AND_SYNC_ALL", userId: "a" },
			{ action: "AEC_UNSET_GROUP_PUSH_IGNORE", userId: "a" },
			{ action: "AEC_UNSET_GROUP_PUSH_IGNORE_AND_SYNC_ALL", userId: "a" },
		];
		for (const fields of actions) {
			const sent = await post({ ...fields, groupId: "987654321" });
			expect([sent.body, sent.error], fields.action).toEqual([failure(47), "UNKNOWN_GROUP"]);
		}
	});
});
