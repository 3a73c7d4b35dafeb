import { describe, it } from "vitest";
import { createGroup, failure, post, syncAll, roster } from "../helpers";

// docs/protocol.md, Policy, "When more than one rule refuses": the callback itself, then the group,
// then what nobody may do, then who asks, then what the change would lead to.
const NEVER_MADE = "987654321";
const refusal = async (fields: Record<string, string | undefined>) => {
	const sent = await post(fields);
	return [sent.body, sent.error];
};

describe("when two rules refuse one callback, the README's order decides", () => {
	it("the callback itself before the group: an empty or over-long list to a group that does not exist", async ({ expect }) => {
		expect(await refusal({ action: "AEC_GROUP_ADD_USER", userId: "a", groupId: NEVER_MADE, addUsers: " , " })).toEqual([
			failure(62),
			"MALFORMED_ARGUMENT",
		]);
		const many = Array.from({ length: 20001 }, (_, i) => `u${i}`).join(",");
		expect(await refusal({ action: "AEC_GROUP_ADD_USER", userId: "a", groupId: NEVER_MADE, addUsers: many })).toEqual([
			failure(62),
			"GROUP_FULL",
		]);
		expect(await refusal({ action: "AEC_GROUP_REMOVE_USER", userId: "a", groupId: NEVER_MADE, removeUsers: many })).toEqual([
			failure(62),
			"MALFORMED_ARGUMENT",
		]);
	});

	it("the group before who asks: a stranger acting on a deleted group", async ({ expect }) => {
		const id = await createGroup("a", ["a", "b"]);
		await post({ action: "AEC_GROUP_DEL", userId: "a", groupId: id });
		for (const fields of [
			{ action: "AEC_GROUP_DEL", userId: "stranger" },
			{ action: "AEC_GROUP_ADD_USER", userId: "stranger", addUsers: "c" },
			{ action: "AEC_GROUP_REMOVE_USER", userId: "stranger", removeUsers: "a" },
			{ action: "AEC_SET_GROUP_PUSH_IGNORE", userId: "stranger" },
		]) {
			expect(await refusal({ ...fields, groupId: id }), fields.action).toEqual([failure(47), "UNKNOWN_GROUP"]);
		}
	});

	it("what nobody may do before who asks: a stranger or a member naming the creator in a remove", async ({ expect }) => {
		const id = await createGroup("a", ["a", "b", "c"]);
		expect(await refusal({ action: "AEC_GROUP_REMOVE_USER", userId: "stranger", groupId: id, removeUsers: "a" })).toEqual([
			failure(53),
			"REMOVE_CREATOR",
		]);
		expect(await refusal({ action: "AEC_GROUP_REMOVE_USER", userId: "b", groupId: id, removeUsers: "c,a" })).toEqual([
			failure(53),
			"REMOVE_CREATOR",
		]);
		expect(await syncAll(id)).toBe(roster("a,b,c"));
	});

	it("who asks before what the change would lead to: a stranger adding to a full group", async ({ expect }) => {
		const members = Array.from({ length: 20000 }, (_, i) => `m${i}`);
		const id = await createGroup("m0", members);
		expect(await refusal({ action: "AEC_GROUP_ADD_USER", userId: "stranger", groupId: id, addUsers: "one-more" })).toEqual([
			failure(49),
			"NOT_A_MEMBER",
		]);
		expect(await refusal({ action: "AEC_GROUP_ADD_USER", userId: "m1", groupId: id, addUsers: "one-more" })).toEqual([
			failure(62),
			"GROUP_FULL",
		]);
	});
});
