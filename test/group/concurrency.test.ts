import { describe, it } from "vitest";
import { DONE, createGroup, post, syncAll } from "../helpers";

describe("simultaneous mutations on one group", () => {
	it("lose nothing: 200 adds of distinct users, DND toggles and syncs at once", async ({ expect }) => {
		const id = await createGroup("owner", ["owner", "d1", "d2", "d3", "d4"]);
		const adds = Array.from({ length: 200 }, (_, i) =>
			post({
				action: i % 2 ? "AEC_GROUP_ADD_USER" : "AEC_GROUP_ADD_USER_AND_SYNC_ALL",
				userId: "owner",
				groupId: id,
				addUsers: `user-${i}`,
			}),
		);
		const dnd = ["d1", "d2", "d3", "d4"].map((userId) => post({ action: "AEC_SET_GROUP_PUSH_IGNORE", userId, groupId: id }));
		const syncs = Array.from({ length: 20 }, () => post({ action: "AEC_GROUP_SYNC_ALL", groupId: id }));
		const answers = await Promise.all([...adds, ...dnd, ...syncs]);
		expect(answers.every((a) => a.body.startsWith('{"status":"1"'))).toBe(true);

		const data = JSON.parse(await syncAll(id)).data;
		const members: string[] = data.groupList.split(",");
		expect(members).toHaveLength(205);
		expect(new Set(members)).toEqual(new Set(["owner", "d1", "d2", "d3", "d4", ...Array.from({ length: 200 }, (_, i) => `user-${i}`)]));
		expect(data.ignoreList).toBe("d1,d2,d3,d4");
	});

	it("each *_AND_SYNC_ALL answer shows its own change", async ({ expect }) => {
		const id = await createGroup("owner", ["owner"]);
		const answers = await Promise.all(
			Array.from({ length: 50 }, (_, i) =>
				post({ action: "AEC_GROUP_ADD_USER_AND_SYNC_ALL", userId: "owner", groupId: id, addUsers: `u${i}` }),
			),
		);
		answers.forEach((answer, i) => {
			const listed: string[] = JSON.parse(answer.body).data.groupList.split(",");
			expect(listed).toContain(`u${i}`);
			// The state it shows really existed: owner first, then adds in the order they were applied.
			expect(listed[0]).toBe("owner");
		});
		const sizes = answers.map((a) => JSON.parse(a.body).data.groupList.split(",").length);
		expect(new Set(sizes).size).toBe(50);
		expect((await post({ action: "AEC_GROUP_REMOVE_USER", userId: "owner", groupId: id, removeUsers: "u0" })).body).toBe(DONE);
	});
});
