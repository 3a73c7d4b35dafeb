import { describe, it } from "vitest";
import { appCall } from "./client";
import { createGroup, drainOutbox, indexedGroups, post, roster, syncAll } from "../helpers";

const put = (groupId: string, body: unknown, query = "") => appCall("PUT", `/v1/groups/${groupId}${query}`, body);

const sample = {
	creator: "im-alice",
	name: "from the sample",
	members: ["im-bob", "im-alice", "im-carol"],
	doNotDisturb: ["im-carol"],
	createdAt: "2024-05-01T10:00:00Z",
};

describe("PUT /v1/groups/{id}: importing a group under its own id", () => {
	it("creates it with the creator first and its DND flags, answers SYNC_ALL as before, and feeds the index", async ({ expect }) => {
		const created = await put("4001", sample);
		expect([created.status, created.json.result]).toEqual([201, "created"]);
		expect(await syncAll("4001")).toBe(roster("im-alice,im-bob,im-carol", "im-carol"));
		await drainOutbox("4001");
		expect((await indexedGroups("im-bob")).map((g) => [g.groupId, g.name])).toEqual([["4001", "from the sample"]]);
	});

	it("the same content again changes nothing; other content is a conflict unless ?overwrite=true", async ({ expect }) => {
		await put("4002", sample);
		expect(await put("4002", sample)).toMatchObject({ status: 200, json: { result: "unchanged" } });
		const changed = { ...sample, members: ["im-bob"] };
		const conflict = await put("4002", changed);
		expect([conflict.status, conflict.json.error?.code]).toEqual([409, "GROUP_EXISTS"]);
		expect(await syncAll("4002")).toBe(roster("im-alice,im-bob,im-carol", "im-carol"));
		expect(await put("4002", changed, "?overwrite=true")).toMatchObject({ status: 200, json: { result: "replaced" } });
		expect(await syncAll("4002")).toBe(roster("im-alice,im-bob"));
		await drainOutbox("4002");
		expect((await indexedGroups("im-carol")).map((g) => g.groupId)).not.toContain("4002");
	});

	it("is the same content only when every field is: each one different alone is a conflict", async ({ expect }) => {
		const base = { ...sample, doNotDisturb: ["im-carol", "im-bob"] };
		await put("4006", base);
		// A DND flag of someone who is not a member is dropped, as the first import dropped it: the same content.
		expect(await put("4006", { ...base, doNotDisturb: ["im-bob", "im-carol", "im-zed"] })).toMatchObject({
			status: 200,
			json: { result: "unchanged" },
		});
		const others = {
			creator: { ...base, creator: "im-bob" },
			name: { ...base, name: "renamed" },
			createdAt: { ...base, createdAt: "2024-05-01T10:00:01Z" },
			memberOrder: { ...base, members: ["im-carol", "im-bob"] },
			fewerDnd: { ...base, doNotDisturb: ["im-carol"] },
			otherDnd: { ...base, doNotDisturb: ["im-carol", "im-alice"] },
		};
		for (const [field, other] of Object.entries(others)) {
			const answer = await put("4006", other);
			expect([answer.status, answer.json.error?.code], field).toEqual([409, "GROUP_EXISTS"]);
		}
		expect(await syncAll("4006")).toBe(roster("im-alice,im-bob,im-carol", "im-bob,im-carol"));
	});

	it("an overwrite keeps the group in the index of the members who stay, and takes it from those who leave", async ({ expect }) => {
		await put("4007", sample);
		expect(await put("4007", { ...sample, members: ["im-dave", "im-bob"] }, "?overwrite=true")).toMatchObject({
			status: 200,
			json: { result: "replaced" },
		});
		await drainOutbox("4007");
		const groupsOf = async (user: string) => (await indexedGroups(user)).some((g) => g.groupId === "4007");
		expect(await Promise.all(["im-alice", "im-bob", "im-carol", "im-dave"].map(groupsOf))).toEqual([true, true, false, true]);
	});

	it("raises the id counter above the imported id, and never lowers it", async ({ expect }) => {
		await put("9000001", sample);
		const next = Number(await createGroup("im-zed", ["im-zed"]));
		expect(next).toBeGreaterThan(9000001);
		await put("4003", sample);
		expect(Number(await createGroup("im-zed", ["im-zed"]))).toBeGreaterThan(next);
	});

	it("a group deleted here does not come back through an import without ?revive=true", async ({ expect }) => {
		await put("4004", sample);
		expect((await post({ action: "AEC_GROUP_DEL", userId: "im-alice", groupId: "4004" })).body).toBe('{"status":"1"}');
		await drainOutbox("4004");
		const again = await put("4004", sample, "?overwrite=true");
		expect([again.status, again.json.error?.code]).toEqual([410, "GROUP_DELETED"]);
		expect(await syncAll("4004")).toBe('{"status":"0","data":"47"}');
	});

	it("refuses what a callback would refuse, and changes nothing", async ({ expect }) => {
		for (const bad of [
			{ ...sample, creator: "" },
			{ ...sample, members: ["ok", "bad,comma"] },
			{ ...sample, members: ["ctl\u0001"] },
			{ ...sample, createdAt: "yesterday" },
			{ ...sample, name: 42 },
		]) {
			const answer = await put("4005", bad);
			expect([answer.status, answer.json.error?.code], JSON.stringify(bad)).toEqual([400, "BAD_REQUEST"]);
		}
		expect(await syncAll("4005")).toBe('{"status":"0","data":"47"}');
	});
});
