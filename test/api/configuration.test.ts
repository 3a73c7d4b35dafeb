import { env } from "cloudflare:workers";
import { afterEach, describe, it, vi } from "vitest";
import type { SettingsSource } from "../../src/config";
import worker from "../../src/index";
import { failure, post } from "../helpers";
import { asApp } from "./client";

// docs/operations.md "Configuration" and docs/api.md "A bad setting": a bad setting fails every
// request. Each door answers it in its own shape: /v1 its JSON error (500), the demo URLs theirs,
// callbacks StarRTC's (tested per variable in test/config.test.ts). The answer names the variable,
// never its value.

async function ask(path: string, environment: SettingsSource) {
	const response = await worker.fetch(new Request(`http://aec.test${path}`, { headers: asApp }), environment);
	return { status: response.status, text: await response.text() };
}

describe("the API with a bad setting", () => {
	afterEach(() => vi.restoreAllMocks());

	it("answers /v1 with 500 BAD_CONFIGURATION naming the variable, the demo URLs in their shape, callbacks as ever", async ({ expect }) => {
		const bad = { ...env, AEC_ALLOWED_IPS: "not-an-ip-list" };
		const lines: string[] = [];
		vi.spyOn(console, "log").mockImplementation((line: string) => void lines.push(line));
		const message = "the setting AEC_ALLOWED_IPS is not valid (GET /healthz names it; the log says why)";
		for (const path of ["/v1/users/cf-alice/groups", "/v1/groups/100000", "/v1/openapi.json", "/v1/nothing"]) {
			expect(await ask(path, bad), path).toEqual({ status: 500, text: JSON.stringify({ error: { code: "BAD_CONFIGURATION", message } }) });
		}
		expect(await ask("/group/list.php?userId=cf-alice", bad)).toEqual({ status: 200, text: JSON.stringify({ status: 0, data: message }) });
		const callback = await post({ action: "AEC_GROUP_SYNC_ALL", groupId: "100000" }, { environment: bad });
		expect([callback.status, callback.body, callback.error]).toEqual([200, failure(1), "INTERNAL_ERROR"]);
		// The value is only in the log, which says why.
		const logged = lines.map((line) => JSON.parse(line) as { api?: string; reason?: string });
		expect(logged.filter((line) => line.api === "/v1/nothing")).toEqual([
			{ api: "/v1/nothing", outcome: "BAD_CONFIGURATION", reason: expect.stringContaining('not "not-an-ip-list"') },
		]);
	});

	it("answers anything unexpected thrown in the API as 500 INTERNAL_ERROR on /v1, in the demo shape on the demo URLs", async ({
		expect,
	}) => {
		const broken = {
			...env,
			USER_INDEX: {
				getByName: () => {
					throw new Error("no index");
				},
			},
		} as unknown as SettingsSource;
		expect(await ask("/v1/users/cf-alice/groups", broken)).toEqual({
			status: 500,
			text: JSON.stringify({ error: { code: "INTERNAL_ERROR", message: "Error: no index" } }),
		});
		expect(await ask("/group/list.php?userId=cf-alice", broken)).toEqual({
			status: 200,
			text: JSON.stringify({ status: 0, data: "Error: no index" }),
		});
	});
});
