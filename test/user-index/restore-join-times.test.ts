import { describe, it } from "vitest";
import { appCall } from "../api/client";
import { drainOutbox } from "../helpers";

// A restored export line gives each member's join time; a user's list of groups must show it (and
// order by it) as the deployment the line came from did, not the time of the restore.
describe("join times given by a restore reach the user index", () => {
	it("a restored group lists at the member's join time; an overwrite back puts an old member's time back", async ({ expect }) => {
		const line = {
			groupId: "930001",
			name: "restored",
			creator: "rj-owner",
			createdAt: "2025-03-01T00:00:00.000Z",
			version: 9,
			members: [
				{ userId: "rj-owner", doNotDisturb: false, joinedAt: "2025-03-01T00:00:00.000Z" },
				{ userId: "rj-late", doNotDisturb: true, joinedAt: "2025-04-02T10:00:00.000Z" },
				{ userId: "rj-sample", doNotDisturb: false, joinedAt: null },
			],
		};
		expect((await appCall("PUT", "/v1/groups/930001", line)).status).toBe(201);
		await drainOutbox("930001");
		const joinedAt = async (user: string) =>
			((await appCall("GET", `/v1/users/${user}/groups`)).json.groups as { joinedAt: string }[])[0]?.joinedAt;
		expect(await joinedAt("rj-owner")).toBe("2025-03-01T00:00:00.000Z");
		expect(await joinedAt("rj-late")).toBe("2025-04-02T10:00:00.000Z");
		// Unknown (imported from the sample): the time it came here, as an import always did.
		expect(Date.parse(String(await joinedAt("rj-sample")))).toBeGreaterThan(Date.parse("2026-01-01"));

		// A mistake: rj-late leaves and joins again now; the line put back over it restores the old time.
		expect((await appCall("DELETE", "/v1/groups/930001/members/rj-late")).status).toBe(200);
		expect((await appCall("POST", "/v1/groups/930001/members", { userIds: ["rj-late"] })).status).toBe(200);
		await drainOutbox("930001");
		expect(await joinedAt("rj-late")).not.toBe("2025-04-02T10:00:00.000Z");
		expect((await appCall("PUT", "/v1/groups/930001?overwrite=true", line)).json.result).toBe("replaced");
		await drainOutbox("930001");
		expect(await joinedAt("rj-late")).toBe("2025-04-02T10:00:00.000Z");
	});
});
