import type { ProxyCall } from "./proxy";

/** What an app-made change asks StarRTC to learn, recorded in the group's outbox. */
export type StarRtcNews =
	| { readonly op: "create" }
	| { readonly op: "members"; readonly users: readonly string[] }
	| { readonly op: "dnd"; readonly users: readonly string[] }
	| { readonly op: "delete" };

/** The group as it is when a call is sent; null once deleted. */
export interface GroupView {
	readonly groupId: string;
	readonly members: ReadonlySet<string> | ReadonlyMap<string, unknown>;
	readonly doNotDisturb: ReadonlySet<string>;
	readonly groupList: string;
	readonly ignoreList: string;
}

/** The whole state: replaces groupServer's copy (and makes a group it never saw). Without a list it empties the group. */
export function wholeState(groupId: string, view: GroupView | null): ProxyCall {
	if (!view || view.groupList === "") return { name: "syncGroupList", params: { groupId } };
	const params: Record<string, string> = { groupId, groupList: view.groupList };
	if (view.ignoreList) params.ignoreList = view.ignoreList;
	return { name: "syncGroupList", params };
}

/**
 * The calls that bring StarRTC's copy in line with the group **as it is now**
 * for the users a change touched, not as the change left them: a client's
 * callback may have changed them since, and replaying the old change would
 * undo it on StarRTC's side only.
 */
export function callsFor(news: StarRtcNews, groupId: string, view: GroupView | null): ProxyCall[] {
	if (news.op === "create" || news.op === "delete" || !view) return [wholeState(groupId, news.op === "delete" ? null : view)];
	const inGroup = news.users.filter((id) => view.members.has(id));
	if (news.op === "members") {
		const out = news.users.filter((id) => !view.members.has(id));
		return [
			...(inGroup.length ? [{ name: "addUsersToGroup", params: { groupId, addedUsers: inGroup.join(",") } } as const] : []),
			...(out.length ? [{ name: "delUsersFromGroup", params: { groupId, deledUsers: out.join(",") } } as const] : []),
		];
	}
	const on = inGroup.filter((id) => view.doNotDisturb.has(id));
	const off = inGroup.filter((id) => !view.doNotDisturb.has(id));
	return [
		...(on.length ? [{ name: "setPushIgnore", params: { groupId, ignoreList: on.join(",") } } as const] : []),
		...(off.length ? [{ name: "unsetPushIgnore", params: { groupId, ignoreList: off.join(",") } } as const] : []),
	];
}
