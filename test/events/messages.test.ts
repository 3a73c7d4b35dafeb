import { describe, it } from "vitest";
import { EventType, USERS_PER_MESSAGE, messagesOf } from "../../src/events/messages";

describe("a change's messages", () => {
	const at = Date.UTC(2026, 11, 2, 10, 0, 0);

	it("one message in the Standard Webhooks body shape, its data fields in a fixed order", ({ expect }) => {
		const [record, ...more] = messagesOf("100000", 2, at, {
			type: EventType.MembersAdded,
			origin: "starrtc",
			actor: "alice",
			userIds: ["dave"],
		});
		expect(more).toEqual([]);
		expect(record).toEqual({
			version: 2,
			part: 1,
			at,
			body: '{"type":"group.members_added","timestamp":"2026-12-02T10:00:00.000Z","data":{"groupId":"100000","version":2,"part":1,"parts":1,"origin":"starrtc","actor":"alice","userIds":["dave"]}}',
		});
	});

	it("a whole group in parts of 500 ids, each part with the group's head and its own members' DND", ({ expect }) => {
		const members = Array.from({ length: 2 * USERS_PER_MESSAGE + 1 }, (_, i) => `u${i}`);
		const records = messagesOf("7", 1, at, {
			type: EventType.Imported,
			origin: "import",
			actor: null,
			userIds: members,
			whole: { name: "n", creator: "u0", createdAt: 0, doNotDisturb: new Set(["u1", "u600"]) },
			result: "created",
		});
		const data = records.map((r) => JSON.parse(r.body).data);
		expect(records.map((r) => [r.version, r.part])).toEqual([
			[1, 1],
			[1, 2],
			[1, 3],
		]);
		expect(data.map((d) => [d.part, d.parts, d.userIds.length, d.doNotDisturb, d.name, d.creator, d.createdAt, d.result])).toEqual([
			[1, 3, 500, ["u1"], "n", "u0", "1970-01-01T00:00:00.000Z", "created"],
			[2, 3, 500, ["u600"], "n", "u0", "1970-01-01T00:00:00.000Z", "created"],
			[3, 3, 1, [], "n", "u0", "1970-01-01T00:00:00.000Z", "created"],
		]);
		expect(data.flatMap((d) => d.userIds)).toEqual(members);
	});
});
