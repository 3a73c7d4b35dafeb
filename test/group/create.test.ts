import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { createGroup, roster, syncAll } from "../helpers";

// The id counter makes each group by calling its object's create(); a repeat must be harmless.
// (The fresh id lies below the counter's mark, so the edge lets its callbacks reach the object.)
describe("a group object's create", () => {
	it("repeated with the same create key changes nothing; with another key it fails and changes nothing", async ({ expect }) => {
		const id = await createGroup("alice", ["alice", "bob"]);
		const group = env.GROUPS.getByName(id);
		const init = {
			groupId: id,
			creator: "mallory",
			members: ["mallory"],
			userDefineData: "",
			createKey: "another",
			origin: "starrtc" as const,
		};
		const other = await group.create(init);
		expect(other.ok ? "made" : other.code).toBe("INTERNAL_ERROR");
		expect(await syncAll(id)).toBe(roster("alice,bob"));
		const fresh = await syncAll(String(Number(id) - 90000));
		const made = await env.GROUPS.getByName(String(Number(id) - 90000)).create({
			...init,
			groupId: String(Number(id) - 90000),
			createKey: "k",
		});
		expect([fresh, made.ok]).toEqual(['{"status":"0","data":"47"}', true]);
		expect(
			(
				await env.GROUPS.getByName(String(Number(id) - 90000)).create({
					...init,
					groupId: String(Number(id) - 90000),
					createKey: "k",
					members: ["x"],
				})
			).ok,
		).toBe(true);
		expect(await syncAll(String(Number(id) - 90000))).toBe(roster("mallory"));
	});
});
