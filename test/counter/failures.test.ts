import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { callObject } from "../../src/group/rpc";
import { createGroup, failStatements } from "../helpers";

// What reaches the operator (the log line of an INTERNAL_ERROR) when an object fails: values, not thrown errors.
const counter = () => env.GROUP_IDS.getByName("ids");
const request = (createKey: string) => ({
	creator: "alice",
	members: ["alice"],
	userDefineData: "",
	createKey,
	origin: "starrtc" as const,
});
const internal = (reason: string) => ({ ok: false, code: "INTERNAL_ERROR", reason });

describe("failures inside the objects are returned with their reason", () => {
	it("the counter's storage failing, on a create and on raising the counter", async ({ expect }) => {
		await failStatements(counter(), /^INSERT INTO recent_creates/);
		expect(await counter().createGroup(request("a".repeat(64)))).toEqual(internal("id counter: Error: injected failure"));
		await failStatements(counter(), /^INSERT INTO next_group_id/);
		expect(await counter().raiseAbove("7000000")).toEqual(internal("id counter: Error: injected failure"));
		await evictDurableObject(counter()); // the faults go with the instance
	});

	it("the group's call throwing during a create", async ({ expect }) => {
		await runInDurableObject(counter(), (instance) => {
			const broken = { getByName: () => ({ create: () => Promise.reject(new Error("the group is gone")) }) };
			Object.defineProperty(instance, "env", { value: { ...env, GROUPS: broken } });
		});
		const created = await counter().createGroup(request("b".repeat(64)));
		expect(created).toMatchObject({ ok: false, code: "INTERNAL_ERROR" });
		expect(created.ok || created.reason).toMatch(/^creating group \d+ failed: Error: the group is gone$/);
		await evictDurableObject(counter());
	});

	it("a group asked to create itself under another create's key, or to resync without a proxy", async ({ expect }) => {
		const id = await createGroup("alice", ["alice"]);
		const group = env.GROUPS.getByName(id);
		expect(await group.create({ ...request("c".repeat(64)), groupId: id })).toEqual(internal(`group ${id} already exists`));
		expect(await group.resyncStarRtc()).toEqual(internal("STARRTC_PROXY_URL is not set"));
	});

	it("a call to an object that throws, not retryable", async ({ expect }) => {
		expect(await callObject(() => Promise.reject(new Error("overloaded")))).toEqual(
			internal("durable object call failed: Error: overloaded"),
		);
	});
});
