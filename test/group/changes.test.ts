import { describe, it } from "vitest";
import { EventType } from "../../src/events/messages";
import { addition, catchUp, creation, deletion, dndChange, importation, removal } from "../../src/group/changes";
import { fromImport, type Group, newGroup } from "../../src/group/group";
import type { GroupStorage } from "../../src/group/storage";
import { ErrorCode } from "../../src/protocol/errors";
import { Membership } from "../../src/user-index/membership";

// How each change is worked out before it is committed: what it writes, whom it
// tells, and how memory follows. The group object's tests check the commits.

const group = (members = ["alice", "bob", "carol"]): Group =>
	newGroup({ groupId: "7", creator: members[0] ?? "alice", members, userDefineData: "g", createKey: "k", origin: "starrtc" }, 1000);

/** The commit time a change's write is handed. */
const AT = 1_700_000_000_000;

/** Records the storage calls a change's write makes, committed at AT. */
function writes(write: ((storage: GroupStorage, at: number) => void) | undefined): string[] {
	const calls: string[] = [];
	const storage = new Proxy({} as GroupStorage, {
		get:
			(_, method) =>
			(...args: unknown[]) => {
				calls.push(`${String(method)}${JSON.stringify(args)}`);
			},
	});
	write?.(storage, AT);
	return calls;
}

describe("addition", () => {
	it("takes only who is not in yet, numbering them after the last join, and tells StarRTC only of an app change", ({ expect }) => {
		const g = group();
		const app = addition(g, ["bob", "dave", "erin"], 10, "app", "");
		expect(app.ok && app.value && writes(app.value.write)).toEqual([`addMembers[["dave","erin"],3,${AT}]`]);
		expect(app.ok && app.value?.news).toEqual({ op: "members", users: ["dave", "erin"] });
		expect(app.ok && app.value?.event).toEqual({ type: EventType.MembersAdded, origin: "app", actor: null, userIds: ["dave", "erin"] });
		const callback = addition(g, ["dave"], 10, "starrtc", "bob");
		expect(callback.ok && callback.value?.news).toBeUndefined();
		expect(callback.ok && callback.value?.event.actor).toBe("bob");
		expect(callback.ok && callback.value?.users).toEqual([["dave", Membership.In]]);
	});

	it("is nothing to do when everyone is in, and refuses a group over the limit counting only the newcomers", ({ expect }) => {
		const g = group();
		expect(addition(g, ["alice", "bob"], 3, "starrtc", "alice")).toEqual({ ok: true, value: undefined });
		expect(addition(g, ["bob", "dave"], 4, "starrtc", "alice").ok).toBe(true);
		const full = addition(g, ["dave", "erin"], 4, "starrtc", "alice");
		expect(!full.ok && full.code).toBe(ErrorCode.GroupFull);
	});

	it("steps memory only when applied: the joiners go last with the next join numbers", ({ expect }) => {
		const g = group();
		const change = addition(g, ["dave"], 10, "app", "");
		expect(g.members.has("dave")).toBe(false);
		if (change.ok) change.value?.apply?.(g);
		expect([...g.members]).toEqual([
			["alice", 0],
			["bob", 1],
			["carol", 2],
			["dave", 3],
		]);
		expect(g.nextJoin).toBe(4);
	});
});

describe("removal and DND", () => {
	it("a removal names only members, tells them they are out, and is nothing when none is in", ({ expect }) => {
		const g = group();
		expect(removal(g, ["zed"], "starrtc", "alice")).toBeUndefined();
		const change = removal(g, ["zed", "carol"], "starrtc", "alice");
		expect(writes(change?.write)).toEqual(['removeMembers[["carol"]]']);
		expect(change?.users).toEqual([["carol", Membership.Out]]);
		expect(change?.news).toBeUndefined();
		change?.apply?.(g);
		expect([...g.members.keys()]).toEqual(["alice", "bob"]);
	});

	it("DND on and off are two message types, a no-op when already so, and tell the index the member's new state", ({ expect }) => {
		const g = group();
		expect(dndChange(g, "bob", false, "app", "")).toBeUndefined();
		const on = dndChange(g, "bob", true, "app", "");
		expect(on?.event.type).toBe(EventType.DndOn);
		expect(on?.users).toEqual([["bob", Membership.InWithDnd]]);
		expect(on?.news).toEqual({ op: "dnd", users: ["bob"] });
		on?.apply?.(g);
		expect(dndChange(g, "bob", true, "starrtc", "bob")).toBeUndefined();
		const off = dndChange(g, "bob", false, "starrtc", "bob");
		expect(off?.event).toEqual({ type: EventType.DndOff, origin: "starrtc", actor: "bob", userIds: ["bob"] });
		expect(off?.users).toEqual([["bob", Membership.In]]);
		expect(writes(off?.write)).toEqual(['setDoNotDisturb["bob",false]']);
	});
});

describe("whole-group changes", () => {
	it("a create stores the whole group and tells StarRTC only when the app made it", ({ expect }) => {
		const g = group();
		expect(creation(g, "starrtc")).toMatchObject({ store: g, news: undefined, event: { actor: "alice", type: EventType.Created } });
		expect(creation(g, "app")).toMatchObject({ news: { op: "create" }, event: { actor: null } });
		expect(creation(g, "app").users).toEqual([
			["alice", Membership.In],
			["bob", Membership.In],
			["carol", Membership.In],
		]);
	});

	it("a delete tells every member they are out and marks the group gone", ({ expect }) => {
		const change = deletion(group(), "app", "");
		expect(change.deleted).toBe(true);
		expect(change.users.map(([, state]) => state)).toEqual([Membership.Out, Membership.Out, Membership.Out]);
		expect(change.news).toEqual({ op: "delete" });
		expect(writes(change.write)).toEqual(["erase[]"]);
	});

	it("an import over a group tells who it leaves out that they are out, keeps DND states, and never tells StarRTC", ({ expect }) => {
		const existing = group(["alice", "bob", "carol"]);
		const input = { groupId: "7", creator: "alice", name: "g2", members: ["alice", "dave", "bob"], doNotDisturb: ["dave"], createdAt: 5 };
		const imported = fromImport(input, existing);
		const change = importation(imported, existing, input);
		expect(change.news).toBeUndefined();
		expect(change.event).toMatchObject({ type: EventType.Imported, origin: "import", actor: null, result: "replaced" });
		expect(change.users).toEqual([
			["alice", Membership.In],
			["dave", Membership.InWithDnd],
			["bob", Membership.In],
			["carol", Membership.Out],
		]);
		expect(importation(imported, null, input).event.result).toBe("created");
		expect(importation(imported, null, input, true).event.result).toBe("revived");
	});

	it("an import's members join at the time it gives them (null: unknown), the others at the commit time", ({ expect }) => {
		const input = {
			groupId: "7",
			creator: "alice",
			name: "g",
			members: ["alice", "bob", "carol"],
			doNotDisturb: [],
			createdAt: 5,
			joinedAt: new Map([
				["alice", 10],
				["bob", null],
			]),
		};
		const change = importation(fromImport(input, null), null, input);
		expect(["alice", "bob", "carol"].map((id) => change.joinedAt?.(id, AT))).toEqual([10, null, AT]);
	});

	it("a catch-up of a group from before versions writes nothing and tells everyone their state", ({ expect }) => {
		const g = group();
		g.doNotDisturb.add("carol");
		const change = catchUp(g);
		expect(change.write).toBeUndefined();
		expect(change.store).toBeUndefined();
		expect(change.users.at(-1)).toEqual(["carol", Membership.InWithDnd]);
		expect(change.event.whole?.doNotDisturb.has("carol")).toBe(true);
	});
});
