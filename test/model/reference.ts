import { env } from "cloudflare:workers";
import { evictDurableObject, reset } from "cloudflare:test";
import fc from "fast-check";
import { expect, inject } from "vitest";
import { computeSign } from "../../src/edge/sign";
import { TEST_GUARD_TOKEN, form, post, send, type Sent } from "../helpers";
import { type Change, type Expected, ModelGroup, type Policy, type Refusal, decide, idList, refused } from "./rules";

export type { Policy };

/**
 * Model-based testing: random sequences of every group action (valid, refused,
 * and refused for two reasons at once) run against the service; after every
 * step the answer (body and X-AEC-Error) and the SYNC_ALL of the group it acted
 * on must match the rules of ./rules.ts. Before a random share of the steps
 * every object (each group of the sequence and the id counter) is evicted; that
 * step and a SYNC_ALL of every group then see only what storage held.
 */
const USERS = ["u0", "u1", "u2", "u3", "u4", "u5", "u6", "测试", "😀"];
/** Never minted: ids start at GROUP_ID_START and the tests make far fewer groups. */
const UNKNOWN_GROUP = "987654321";
const COUNTER_NAME = "ids";

/** A member of the group acted on (by position), or anyone from the user pool. */
type Actor = { readonly member: boolean; readonly index: number };

type Step = { readonly evictFirst: boolean } & (
	| { kind: "create"; actor: number; users: number[] }
	| { kind: "resend" }
	| { kind: "sync"; group: number }
	| { kind: "delete"; actor: Actor; group: number }
	| { kind: "add" | "remove"; actor: Actor; group: number; users: number[]; sync: boolean }
	| { kind: "doNotDisturb"; actor: Actor; group: number; on: boolean; sync: boolean }
	| { kind: "refused"; group: number; variant: number }
);

const who = fc.integer({ min: 0, max: USERS.length - 1 });
const actor = fc.record({ member: fc.boolean(), index: fc.nat(20) });
/** Mostly a group made earlier in the sequence; 7 stands for a group that was never made. */
const slot = fc.integer({ min: 0, max: 7 });
const list = fc.array(who, { maxLength: 8 });
/** Roughly one step in eight starts from evicted objects. */
const evictFirst = fc.integer({ min: 0, max: 7 }).map((n) => n === 0);
const REFUSED_VARIANTS = 8;

const steps = fc.oneof(
	fc.record({ kind: fc.constant("create" as const), actor: who, users: list }),
	fc.constant({ kind: "resend" as const }),
	fc.record({ kind: fc.constant("sync" as const), group: slot }),
	fc.record({ kind: fc.constant("delete" as const), actor, group: slot }),
	fc.record({ kind: fc.constantFrom("add" as const, "remove" as const), actor, group: slot, users: list, sync: fc.boolean() }),
	fc.record({ kind: fc.constantFrom("add" as const, "remove" as const), actor, group: slot, users: list, sync: fc.boolean() }),
	fc.record({ kind: fc.constant("doNotDisturb" as const), actor, group: slot, on: fc.boolean(), sync: fc.boolean() }),
	fc.record({ kind: fc.constant("refused" as const), group: slot, variant: fc.nat(REFUSED_VARIANTS - 1) }),
);
const stepArbitrary: fc.Arbitrary<Step> = fc.tuple(steps, evictFirst).map(([step, evict]) => ({ ...step, evictFirst: evict }));

const ACTIONS = {
	add: ["AEC_GROUP_ADD_USER", "AEC_GROUP_ADD_USER_AND_SYNC_ALL"],
	remove: ["AEC_GROUP_REMOVE_USER", "AEC_GROUP_REMOVE_USER_AND_SYNC_ALL"],
	on: ["AEC_SET_GROUP_PUSH_IGNORE", "AEC_SET_GROUP_PUSH_IGNORE_AND_SYNC_ALL"],
	off: ["AEC_UNSET_GROUP_PUSH_IGNORE", "AEC_UNSET_GROUP_PUSH_IGNORE_AND_SYNC_ALL"],
} as const;

/** Lists as a sloppy client may send them: padded, with empty entries and repeats. */
const sloppy = (ids: string[]) => ids.map((id, i) => (i % 2 ? ` ${id} ` : id)).join(",,");
/** `n` distinct ids, more than any group of the policy may hold. */
const tooMany = (n: number) => Array.from({ length: n }, (_, i) => `x${i}`).join(",");

/** What one property run saw: every action sent and every code answered. */
export interface Coverage {
	readonly actions: Set<string>;
	readonly codes: Set<string>;
}

export class ReferenceModel {
	readonly groups: ModelGroup[] = [];
	/** The group the last step acted on (or named), checked after it. */
	#touched?: ModelGroup;
	#lastCreate?: { data: string; id: string };
	#lastId = 0;

	constructor(
		readonly policy: Policy,
		readonly run: string,
		readonly coverage: Coverage,
	) {}

	#group(slotIndex: number): ModelGroup | undefined {
		return slotIndex === 7 || this.groups.length === 0 ? undefined : this.groups[slotIndex % this.groups.length];
	}

	#actor(actor: Actor, group: ModelGroup | undefined): string {
		const members = group?.members ?? [];
		return actor.member && members.length ? (members[actor.index % members.length] ?? "") : (USERS[actor.index % USERS.length] ?? "");
	}

	#check(sent: Sent, expected: Expected, action: string, what: string): void {
		this.coverage.actions.add(action);
		this.coverage.codes.add(sent.error ?? "OK");
		if (sent.body !== expected.body || sent.error !== expected.code) {
			throw new Error(
				`${what}: answered ${sent.body.slice(0, 200)} (${sent.error}), the model expects ${expected.body.slice(0, 200)} (${expected.code})`,
			);
		}
	}

	/** Evicts every object the sequence touched: its groups and the id counter. */
	async evictAll(): Promise<void> {
		this.coverage.actions.add("evict");
		const names = [COUNTER_NAME, ...this.groups.map((g) => g.id), UNKNOWN_GROUP];
		await Promise.all(
			names.map(async (name) => {
				const stub = name === COUNTER_NAME ? env.GROUP_IDS.getByName(name) : env.GROUPS.getByName(name);
				// Only a running object can be evicted; one that is not running holds nothing in memory anyway.
				await evictDurableObject(stub).catch((error: unknown) => {
					if (!String(error).includes("not currently running")) throw error;
				});
			}),
		);
	}

	/** Runs one step against the service and the model; throws on any difference. */
	async step(step: Step, index: number): Promise<void> {
		if (step.evictFirst) await this.evictAll();
		const what = `step ${index} ${JSON.stringify(step)}`;
		this.#touched = undefined;

		if (step.kind === "create" || step.kind === "resend") return this.#create(step, index, what);

		const group = this.#group(step.group);
		const groupId = group?.id ?? UNKNOWN_GROUP;
		this.#touched = group;
		if (step.kind === "refused") return this.#refused(step.variant, groupId, what);

		const requester = "actor" in step ? this.#actor(step.actor, group) : "";
		let change: Change;
		let fields: Record<string, string>;
		switch (step.kind) {
			case "sync":
				change = { kind: "sync" };
				fields = { action: "AEC_GROUP_SYNC_ALL", groupId };
				break;
			case "delete":
				change = { kind: "delete", requester };
				fields = { action: "AEC_GROUP_DEL", userId: requester, groupId };
				break;
			case "doNotDisturb":
				change = { kind: "doNotDisturb", requester, on: step.on, sync: step.sync };
				fields = { action: ACTIONS[step.on ? "on" : "off"][step.sync ? 1 : 0], userId: requester, groupId };
				break;
			case "add":
			case "remove": {
				const text = sloppy(step.users.map((u) => USERS[u] ?? ""));
				change = { kind: step.kind, requester, list: text, sync: step.sync };
				fields = { action: ACTIONS[step.kind][step.sync ? 1 : 0], userId: requester, groupId, [step.kind === "add" ? "addUsers" : "removeUsers"]: text };
				break;
			}
		}
		const sent = await post(fields);
		this.#check(sent, decide(this.policy, group, change), fields.action ?? "", what);
	}

	async #create(step: Step & { kind: "create" | "resend" }, index: number, what: string): Promise<void> {
		if (step.kind === "resend") {
			// "The same data text arriving again within 10 minutes gets the same id back and creates nothing new."
			if (!this.#lastCreate) return;
			this.#touched = this.groups.at(-1);
			const sent = await post(this.#lastCreate.data);
			return this.#check(sent, { body: `{"status":"1","data":"${this.#lastCreate.id}"}`, code: null }, "resend", what);
		}
		const creator = USERS[step.actor] ?? "";
		const listed = sloppy(step.users.map((u) => USERS[u] ?? ""));
		const data = JSON.stringify({ action: "AEC_GROUP_CREATE", userId: creator, addUsers: listed, userDefineData: `${this.run}-${index}` });
		const sent = await post(data);
		// "The creator is always a member, first in the list."
		const members = [...new Set([creator, ...idList(listed)])];
		if (members.length > this.policy.maxMembers) return this.#check(sent, refused("GROUP_FULL"), "AEC_GROUP_CREATE", what);
		this.coverage.actions.add("AEC_GROUP_CREATE");
		this.coverage.codes.add(sent.error ?? "OK");
		// "Strictly increasing ... never reused."
		const id = /^\{"status":"1","data":"(\d+)"\}$/.exec(sent.body)?.[1];
		if (!id || Number(id) <= this.#lastId || sent.error !== null) throw new Error(`${what}: create answered ${sent.body}, after id ${this.#lastId}`);
		this.#lastId = Number(id);
		this.#lastCreate = { data, id };
		this.groups.push(new ModelGroup(id, creator, members));
		this.#touched = this.groups.at(-1);
	}

	/** Callbacks the README refuses before any group is looked at, each with the code its error table names. */
	async #refused(variant: number, groupId: string, what: string): Promise<void> {
		const max = this.policy.maxMembers;
		const table: [unknown, Refusal][] = [
			[{ action: "AEC_GROUP_EXPLODE", groupId }, "UNKNOWN_ACTION"],
			[{ action: "AEC_GROUP_ADD_USER", userId: "u0", groupId, addUsers: "u1,bad\u0001id" }, "MALFORMED_ARGUMENT"],
			[{ action: "AEC_GROUP_REMOVE_USER", userId: "u0,u1", groupId, removeUsers: "u2" }, "MALFORMED_ARGUMENT"],
			[{ action: "AEC_GROUP_SYNC_ALL", groupId: `${groupId}x` }, "MALFORMED_ARGUMENT"],
			["{not json", "BAD_JSON"],
			[{ action: "AEC_GROUP_ADD_USER", userId: "u0", groupId, addUsers: tooMany(max + 1) }, "GROUP_FULL"],
			[{ action: "AEC_GROUP_CREATE", userId: "u0", addUsers: tooMany(max) }, "GROUP_FULL"],
			[{ action: "AEC_GROUP_DEL", userId: "u0", groupId }, "BAD_SIGN"],
		];
		const [data, code] = table[variant] ?? table[0] ?? ["", "BAD_JSON"];
		const text = typeof data === "string" ? data : JSON.stringify(data);
		// The last variant is signed for other data: it must never reach the group.
		const sent =
			code === "BAD_SIGN"
				? await send("/eventCenter", { method: "POST", body: form({ data: text, sign: await computeSign(TEST_GUARD_TOKEN, `${text} `) }) })
				: await post(text);
		this.#check(sent, refused(code), "refused", what);
	}

	/**
	 * The SYNC_ALL of the group the step acted on must match the model; with `all`, every group's
	 * (after an eviction and at the end of a sequence: what storage holds of each).
	 */
	async check(index: number, all: boolean): Promise<void> {
		const groups = all ? this.groups : this.#touched ? [this.#touched] : [];
		for (const group of groups) {
			const sent = await post({ action: "AEC_GROUP_SYNC_ALL", groupId: group.id });
			this.#check(sent, decide(this.policy, group, { kind: "sync" }), "AEC_GROUP_SYNC_ALL", `after step ${index}, group ${group.id}`);
		}
	}
}

/** Time for a whole property run: MODEL_RUNS sequences at well under a second each. */
export const modelTimeout = () => 60_000 + inject("modelRuns") * 1000;

let runs = 0;

/** The property: any sequence of steps leaves the service and the model in agreement. */
export function modelProperty(policy: Policy, coverage: Coverage) {
	// Every sequence starts with a create, so most steps act on a real group.
	const first = fc.record({ kind: fc.constant("create" as const), actor: who, users: list, evictFirst: fc.constant(false) });
	const sequence = fc.tuple(first, fc.array(stepArbitrary, { minLength: 5, maxLength: 49, size: "max" })).map(([a, rest]) => [a, ...rest]);
	return fc.asyncProperty(sequence, async (sequenceSteps) => {
		// Sequences share nothing, so storage is wiped now and then: thousands of live objects
		// would otherwise slow the runtime down on long runs.
		if (runs % 100 === 99) await reset();
		const model = new ReferenceModel(policy, `run${runs++}-${crypto.randomUUID().slice(0, 8)}`, coverage);
		for (const [index, step] of sequenceSteps.entries()) {
			await model.step(step, index);
			await model.check(index, step.evictFirst || index === sequenceSteps.length - 1);
		}
	});
}

/** Every group action, and every code a group callback can get under `policy`. */
export function expectedCoverage(policy: Policy): Coverage {
	const actions = ["AEC_GROUP_CREATE", "resend", "refused", "evict", ...Object.values(ACTIONS).flat(), "AEC_GROUP_SYNC_ALL", "AEC_GROUP_DEL"];
	const codes: string[] = ["OK", "MALFORMED_ARGUMENT", "BAD_JSON", "BAD_SIGN", "UNKNOWN_ACTION", "UNKNOWN_GROUP", "REMOVE_CREATOR", "NOT_A_MEMBER", "GROUP_FULL"];
	// Only a `creator` permission can refuse with PERMISSION_DENIED.
	if ([policy.add, policy.remove, policy.delete].includes("creator")) codes.push("PERMISSION_DENIED");
	return { actions: new Set(actions), codes: new Set(codes) };
}

/**
 * Runs the property with the run count, seed and path vitest.config.ts provides,
 * then asserts it covered every action and every code (not when replaying one case).
 */
export async function checkAgainstModel(policy: Policy): Promise<void> {
	const seen: Coverage = { actions: new Set(), codes: new Set() };
	await fc.assert(modelProperty(policy, seen), { numRuns: inject("modelRuns"), seed: inject("modelSeed"), path: inject("modelPath") });
	console.log(JSON.stringify({ actions: [...seen.actions], codes: [...seen.codes] }));
	if (inject("modelPath") !== undefined) return;
	const wanted = expectedCoverage(policy);
	expect([...wanted.actions].filter((a) => !seen.actions.has(a)), "actions never sent").toEqual([]);
	expect([...wanted.codes].filter((c) => !seen.codes.has(c)), "codes never answered").toEqual([]);
}
