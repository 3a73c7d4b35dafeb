import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { Membership, type MembershipDelta, shardOf } from "../../src/user-index/membership";

// The index applies a (group, user) change only when its version is newer than the one it holds,
// so a delta delivered again or late (a crash between delivery and acknowledgement) never undoes a
// newer change, in either direction. Deltas go straight to the user's shard, in the order chosen.
const shard = (userId: string) => env.USER_INDEX.getByName(shardOf(userId, Number(env.INDEX_SHARDS)));

const delta = (groupId: string, userId: string, version: number, state: Membership): MembershipDelta => ({
	groupId,
	version,
	at: 1_000_000 + version,
	name: `n${groupId}`,
	creator: "c",
	deleted: false,
	users: [[userId, state]],
});

/** The user's groups as the index lists them: id, DND, join time. */
async function listed(userId: string) {
	const page = await shard(userId).groupsOf(userId, 100);
	if (!page.ok) throw new Error(page.reason);
	return page.value.items.map(({ groupId, doNotDisturb, joinedAt }) => ({ groupId, doNotDisturb, joinedAt }));
}

async function apply(userId: string, ...deltas: MembershipDelta[]): Promise<void> {
	const applied = await shard(userId).apply(deltas);
	if (!applied.ok) throw new Error(applied.reason);
}

describe("a late delta older than what the index holds changes nothing", () => {
	it("a removal older than a re-add, arriving after it, leaves the user in the group (with the re-add's join time)", async ({ expect }) => {
		const G = "556001";
		await apply(
			"lr-amy",
			delta(G, "lr-amy", 1, Membership.In),
			delta(G, "lr-amy", 2, Membership.Out),
			delta(G, "lr-amy", 3, Membership.In),
		);
		await apply("lr-amy", delta(G, "lr-amy", 2, Membership.Out));
		expect(await listed("lr-amy")).toEqual([{ groupId: G, doNotDisturb: false, joinedAt: 1_000_003 }]);
	});

	it("a removal that arrives only after the re-add that followed it (never seen before) leaves the user in", async ({ expect }) => {
		const G = "556002";
		await apply("lr-ben", delta(G, "lr-ben", 1, Membership.In), delta(G, "lr-ben", 3, Membership.In));
		await apply("lr-ben", delta(G, "lr-ben", 2, Membership.Out));
		expect((await listed("lr-ben")).map((g) => g.groupId)).toEqual([G]);
	});

	it("a late add older than a removal leaves the user out", async ({ expect }) => {
		const G = "556003";
		await apply("lr-cal", delta(G, "lr-cal", 2, Membership.Out));
		await apply("lr-cal", delta(G, "lr-cal", 1, Membership.In));
		expect(await listed("lr-cal")).toEqual([]);
	});

	it("a late DND change older than the member's latest one leaves DND as the latest set it, both ways", async ({ expect }) => {
		const [on, off] = ["556004", "556005"];
		// DND on at 2, off at 3: a late "on" (2) comes again.
		await apply(
			"lr-dee",
			delta(off, "lr-dee", 1, Membership.In),
			delta(off, "lr-dee", 2, Membership.InWithDnd),
			delta(off, "lr-dee", 3, Membership.In),
		);
		await apply("lr-dee", delta(off, "lr-dee", 2, Membership.InWithDnd));
		// DND on at 2 only: the join (1, no DND) comes again late.
		await apply("lr-dee", delta(on, "lr-dee", 1, Membership.In), delta(on, "lr-dee", 2, Membership.InWithDnd));
		await apply("lr-dee", delta(on, "lr-dee", 1, Membership.In));
		expect(await listed("lr-dee")).toEqual([
			{ groupId: on, doNotDisturb: true, joinedAt: 1_000_001 },
			{ groupId: off, doNotDisturb: false, joinedAt: 1_000_001 },
		]);
	});
});
