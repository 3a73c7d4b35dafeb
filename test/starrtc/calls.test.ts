import { describe, it } from "vitest";
import { callsFor, type GroupView, wholeState } from "../../src/starrtc/calls";

// What StarRTC is told for each kind of news, from the group as it is when the call goes out.
const G = "100300";
function view(members: string[], dnd: string[] = []): GroupView {
	return { groupId: G, members: new Set(members), doNotDisturb: new Set(dnd), groupList: members.join(","), ignoreList: dnd.join(",") };
}

describe("wholeState", () => {
	it("sends the list, and the DND list only when someone has DND on", ({ expect }) => {
		expect(wholeState(G, view(["a", "b"], ["b"]))).toEqual({
			name: "syncGroupList",
			params: { groupId: G, groupList: "a,b", ignoreList: "b" },
		});
		expect(wholeState(G, view(["a", "b"]))).toEqual({ name: "syncGroupList", params: { groupId: G, groupList: "a,b" } });
	});

	it("a deleted group, or one without members, is a sync without a list (StarRTC empties it)", ({ expect }) => {
		expect(wholeState(G, null)).toEqual({ name: "syncGroupList", params: { groupId: G } });
		expect(wholeState(G, view([]))).toEqual({ name: "syncGroupList", params: { groupId: G } });
	});
});

describe("callsFor", () => {
	it("create sends the whole state; delete sends the empty sync even while the view still exists", ({ expect }) => {
		expect(callsFor({ op: "create" }, G, view(["a", "b"]))).toEqual([{ name: "syncGroupList", params: { groupId: G, groupList: "a,b" } }]);
		expect(callsFor({ op: "delete" }, G, view(["a", "b"]))).toEqual([{ name: "syncGroupList", params: { groupId: G } }]);
		expect(callsFor({ op: "delete" }, G, null)).toEqual([{ name: "syncGroupList", params: { groupId: G } }]);
	});

	it("any news about a group deleted since is the empty sync", ({ expect }) => {
		expect(callsFor({ op: "members", users: ["a"] }, G, null)).toEqual([{ name: "syncGroupList", params: { groupId: G } }]);
		expect(callsFor({ op: "dnd", users: ["a"] }, G, null)).toEqual([{ name: "syncGroupList", params: { groupId: G } }]);
	});

	it("members: those in the group now are added, the others removed, whatever the change did", ({ expect }) => {
		expect(callsFor({ op: "members", users: ["b", "x", "c", "y"] }, G, view(["a", "b", "c"]))).toEqual([
			{ name: "addUsersToGroup", params: { groupId: G, addedUsers: "b,c" } },
			{ name: "delUsersFromGroup", params: { groupId: G, deledUsers: "x,y" } },
		]);
		expect(callsFor({ op: "members", users: ["x"] }, G, view(["a"]))).toEqual([
			{ name: "delUsersFromGroup", params: { groupId: G, deledUsers: "x" } },
		]);
		expect(callsFor({ op: "members", users: ["a"] }, G, view(["a"]))).toEqual([
			{ name: "addUsersToGroup", params: { groupId: G, addedUsers: "a" } },
		]);
	});

	it("dnd: members with DND on now are set, the other members unset, non-members skipped", ({ expect }) => {
		expect(callsFor({ op: "dnd", users: ["a", "b", "x"] }, G, view(["a", "b"], ["b"]))).toEqual([
			{ name: "setPushIgnore", params: { groupId: G, ignoreList: "b" } },
			{ name: "unsetPushIgnore", params: { groupId: G, ignoreList: "a" } },
		]);
		expect(callsFor({ op: "dnd", users: ["x"] }, G, view(["a"]))).toEqual([]);
	});
});
