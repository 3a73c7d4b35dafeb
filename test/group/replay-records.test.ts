import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it, vi } from "vitest";
import { createGroup } from "../helpers";

/** The callback keys a group still holds. */
const heldKeys = (id: string) =>
	runInDurableObject(env.GROUPS.getByName(id), (_, state) =>
		state.storage.sql
			.exec<{ callback_key: string }>("SELECT callback_key FROM recent_callbacks ORDER BY callback_key")
			.toArray()
			.map((r) => r.callback_key),
	);

// A busy group applies thousands of callbacks a day: the records of those past their window go,
// or its storage grows without end. They are swept at most once a minute, by the next callback.
describe("a group's records of recent callbacks", () => {
	it("are deleted once past their window, by a callback a minute or more after the last sweep", async ({ expect }) => {
		const id = await createGroup("alice", ["alice"]);
		const group = env.GROUPS.getByName(id);
		const start = Date.now();
		vi.useFakeTimers({ toFake: ["Date"] });
		try {
			vi.setSystemTime(start);
			await group.addMembers("alice", ["bob"], false, { key: "a-first", keepMs: 30_000 });
			vi.setSystemTime(start + 40_000);
			await group.addMembers("alice", ["carol"], false, { key: "b-young", keepMs: 30_000 });
			// Not more than a minute after the first sweep: nothing is swept, though "a-first" has expired.
			vi.setSystemTime(start + 60_000);
			await group.addMembers("alice", ["dave"], false, { key: "c-third", keepMs: 30_000 });
			expect(await heldKeys(id)).toEqual(["a-first", "b-young", "c-third"]);
			// A minute and more after it: what is past its window goes, what is within it stays.
			vi.setSystemTime(start + 60_001);
			await group.addMembers("alice", ["erin"], false, { key: "d-fourth", keepMs: 30_000 });
			expect(await heldKeys(id)).toEqual(["b-young", "c-third", "d-fourth"]);
		} finally {
			vi.useRealTimers();
		}
	});
});

describe("an imported group that lists its creator among the members", () => {
	it("keeps the creator first, also once the object reads itself again from storage", async ({ expect }) => {
		const put = await env.GROUPS.getByName("700001").importGroup(
			{ groupId: "700001", creator: "carol", name: "n", members: ["alice", "carol", "bob"], doNotDisturb: [], createdAt: 0 },
			{ overwrite: false, revive: false },
		);
		expect(put.ok).toBe(true);
		const first = await env.GROUPS.getByName("700001").memberPage(10, -1);
		// Storage order is join order: what a woken object, a page and a cursor go by.
		const stored = await runInDurableObject(env.GROUPS.getByName("700001"), (_, state) =>
			state.storage.sql
				.exec<{ user_id: string }>("SELECT user_id FROM members ORDER BY joined")
				.toArray()
				.map((r) => r.user_id),
		);
		expect(first.ok && first.value.items.map((m) => m.userId)).toEqual(["carol", "alice", "bob"]);
		expect(stored).toEqual(["carol", "alice", "bob"]);
	});
});
