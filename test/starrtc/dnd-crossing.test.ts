import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { appCall as call, appCreate as create } from "../api/client";
import { DONE, drainOutbox, post, syncAll, until } from "../helpers";
import { StubProxy } from "./stub-proxy";

// The rule (docs/design.md "Telling StarRTC", "Crossings"): once the outbox is empty, StarRTC's copy
// of a group equals ours, DND (ignoreList) included. An app's DND change is told to StarRTC through
// the outbox; the member's own callback (AEC_SET/UNSET_GROUP_PUSH_IGNORE) can flip it back before
// that call lands, and StarRTC applies that callback to its own copy itself.
const proxy = new StubProxy();
beforeAll(() => void proxy.install());
beforeEach(() => proxy.reset());

/** Our group as SYNC_ALL answers it, and StarRTC's copy as the stub holds it: members and DND, sorted. */
async function bothViews(id: string) {
	const answer = JSON.parse(await syncAll(id)) as { data: { groupList: string; ignoreList?: string } };
	const split = (list = "") => list.split(",").filter(Boolean).sort();
	const copy = proxy.groups.get(id);
	return {
		ours: { members: split(answer.data.groupList), ignoring: split(answer.data.ignoreList) },
		starrtc: { members: [...(copy?.members ?? [])].sort(), ignoring: [...(copy?.ignoring ?? [])].sort() },
	};
}

/** The member's own DND callback, as a client's SDK makes StarRTC send it; StarRTC applies it to its copy on our "1". */
async function byMember(id: string, userId: string, on: boolean): Promise<void> {
	const action = on ? "AEC_SET_GROUP_PUSH_IGNORE" : "AEC_UNSET_GROUP_PUSH_IGNORE";
	expect((await post({ action, userId, groupId: id })).body).toBe(DONE);
	proxy.applyCallback(id, on ? { dndOn: [userId] } : { dndOff: [userId] });
}

/** The app turns a member's DND on (PUT) or off (DELETE). */
async function byApp(id: string, userId: string, on: boolean): Promise<void> {
	expect((await call(on ? "PUT" : "DELETE", `/v1/groups/${id}/members/${userId}/dnd`)).status).toBe(200);
}

/** A group of alice and bob that StarRTC holds; bob's DND starts `bobDnd`. */
async function groupOfTwo(prefix: string, bobDnd: boolean): Promise<string> {
	const id = await create(`${prefix}-alice`, [`${prefix}-bob`]);
	if (bobDnd) await byApp(id, `${prefix}-bob`, true);
	await drainOutbox(id);
	expect((await bothViews(id)).starrtc.ignoring).toEqual(bobDnd ? [`${prefix}-bob`] : []);
	return id;
}

describe("StarRTC's DND equals the group's once the outbox is empty, when a member's callback crosses an app's DND change", () => {
	for (const on of [true, false]) {
		const change = on ? "PUT (on)" : "DELETE (off)";

		it(`app DND ${change} waiting in the outbox, then the member flips it back: StarRTC is told the DND as it is now`, async ({
			expect,
		}) => {
			const bob = `dw${on ? 1 : 0}-bob`;
			const id = await groupOfTwo(`dw${on ? 1 : 0}`, !on);
			proxy.down = true; // the app's DND call waits in the outbox
			await byApp(id, bob, on);
			await byMember(id, bob, !on);
			expect((await call("GET", `/v1/groups/${id}`)).json.starrtc).toMatchObject({ pending: true });
			proxy.down = false;
			await drainOutbox(id);
			const { ours, starrtc } = await bothViews(id);
			expect(ours.ignoring).toEqual(on ? [] : [bob]);
			expect(starrtc).toEqual(ours);
		});

		it(`app DND ${change} in flight to StarRTC when the member flips it back: the call is worked out again and StarRTC ends as we are`, async ({
			expect,
		}) => {
			const bob = `df${on ? 1 : 0}-bob`;
			const id = await groupOfTwo(`df${on ? 1 : 0}`, !on);
			const held = proxy.hold(on ? "setPushIgnore" : "unsetPushIgnore");
			await byApp(id, bob, on);
			await until(() => held.arrived, "the app's DND call to reach the proxy");
			// StarRTC applies the member's callback first; the app's call lands after it.
			await byMember(id, bob, !on);
			held.release();
			await drainOutbox(id);
			const { ours, starrtc } = await bothViews(id);
			expect(ours.ignoring).toEqual(on ? [] : [bob]);
			expect(starrtc).toEqual(ours);
		});
	}
});
