import { describe, it } from "vitest";
import type { SettingsSource } from "../../src/config";
import { runGroupCommand } from "../../src/edge/groups";
import { ok } from "../../src/protocol/errors";

// The edge retries a Durable Object call the runtime marks retryable (every group call is safe to
// repeat), at most three tries, and never an overloaded object. A stand-in namespace counts tries.
function flakyGroups(errors: unknown[]) {
	let tries = 0;
	const stub = {
		syncAll: async () => {
			tries++;
			if (errors.length) throw errors.shift();
			return ok({ body: '{"status":"1","data":{"groupList":"a"}}' });
		},
	};
	const env = { GROUPS: { getByName: () => stub } } as unknown as SettingsSource;
	return { env, tries: () => tries };
}
const sync = { kind: "sync", groupId: "100000" } as const;
const retryable = () => Object.assign(new Error("network blip"), { retryable: true });

describe("calls to a group's object", () => {
	it("retry a retryable error, up to three tries", async ({ expect }) => {
		const twice = flakyGroups([retryable(), retryable()]);
		expect((await runGroupCommand(twice.env, sync, "")).body).toBe('{"status":"1","data":{"groupList":"a"}}');
		expect(twice.tries()).toBe(3);
		const always = flakyGroups([retryable(), retryable(), retryable(), retryable()]);
		expect((await runGroupCommand(always.env, sync, "")).error).toBe("INTERNAL_ERROR");
		expect(always.tries()).toBe(3);
	});

	it("do not retry an overloaded object, an error not marked retryable, or a thrown non-error", async ({ expect }) => {
		for (const error of [
			Object.assign(new Error("overloaded"), { retryable: true, overloaded: true }),
			new Error("bug"),
			undefined,
			null,
		]) {
			const once = flakyGroups([error]);
			const answer = await runGroupCommand(once.env, sync, "");
			expect([answer.body, answer.error, once.tries()], String(error)).toEqual(['{"status":"0","data":"1"}', "INTERNAL_ERROR", 1]);
		}
	});
});
