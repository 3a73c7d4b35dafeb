import { describe, it } from "vitest";
import { appCall } from "./client";

// The app's changes with the shipped settings; with StarRTC's proxy see test/starrtc/admin.test.ts.
describe("the app's changes without STARRTC_PROXY_URL", () => {
	it("answer starrtc \"off\": nobody is told, nothing waits", async ({ expect }) => {
		const created = await appCall("POST", "/v1/groups", { creator: "off-alice", members: ["off-bob"] });
		expect(created).toMatchObject({ status: 201, json: { memberCount: 2, version: 1, starrtc: "off" } });
		const added = await appCall("POST", `/v1/groups/${created.json.groupId}/members`, { userIds: ["off-carol"] });
		expect(added).toMatchObject({ status: 200, json: { memberCount: 3, version: 2, starrtc: "off" } });
	});
});
