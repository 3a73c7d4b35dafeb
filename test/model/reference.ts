import { reset } from "cloudflare:test";
import fc from "fast-check";
import { inject } from "vitest";
import type { Role } from "../../src/config";
import { DONE, failure, post, roster } from "../helpers";

/**
 * Model-based testing: random sequences of all eleven group actions (and some
 * refused ones) run against the service, and after every step the answer and
 * every group's SYNC_ALL are compared with this plain in-memory model of the
 * README's rules. It is written from the rules, not from the service's code.
 */
export interface Policy {
	readonly add: Role;
	readonly remove: Role;
	readonly delete: Role;
	readonly maxMembers: number;
}

const USERS = ["u0", "u1", "u2", "u3", "u4", "u5", "u6", "测试", "😀"];
/** Never minted: ids start at GROUP_ID_START and the tests make far fewer groups. */
const UNKNOWN_GROUP = "987654321";

/** A member of the group acted on (by position), or anyone from the user pool. */
type Actor = { readonly member: boolean; readonly index: number };

type Step =
	| { kind: "create"; actor: number; users: number[]; name: string }
	| { kind: "resend" }
	| { kind: "sync"; group: number }
	| { kind: "delete"; actor: Actor; group: number }
	| { kind: "add" | "remove"; actor: Actor; group: number; users: number[]; sync: boolean }
	| { kind: "doNotDisturb"; actor: Actor; group: number; on: boolean; sync: boolean }
	| { kind: "refused"; group: number; variant: number };

const who = fc.integer({ min: 0, max: USERS.length - 1 });
const actor = fc.record({ member: fc.boolean(), index: fc.nat(20) });
/** Mostly a group made earlier in the sequence; 7 stands for a group that was never made. */
const slot = fc.integer({ min: 0, max: 7 });
const list = fc.array(who, { maxLength: 8 });
/** Group names as users type them, with what StarRTC sends unescaped. */
const groupName = fc.string({ unit: fc.constantFrom('"', "\\", "{", "}", "[", ",", ":", " ", "a", "中"), maxLength: 8 });
export const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
	fc.record({ kind: fc.constant("create" as const), actor: who, users: list, name: groupName }),
	fc.constant({ kind: "resend" as const }),
	fc.record({ kind: fc.constant("sync" as const), group: slot }),
	fc.record({ kind: fc.constant("delete" as const), actor, group: slot }),
	fc.record({ kind: fc.constantFrom("add" as const, "remove" as const), actor, group: slot, users: list, sync: fc.boolean() }),
	fc.record({ kind: fc.constantFrom("add" as const, "remove" as const), actor, group: slot, users: list, sync: fc.boolean() }),
	fc.record({ kind: fc.constant("doNotDisturb" as const), actor, group: slot, on: fc.boolean(), sync: fc.boolean() }),
	fc.record({ kind: fc.constant("doNotDisturb" as const), actor, group: slot, on: fc.boolean(), sync: fc.boolean() }),
	fc.record({ kind: fc.constant("refused" as const), group: slot, variant: fc.integer({ min: 0, max: 5 }) }),
);

interface Group {
	readonly id: string;
	readonly creator: string;
	members: string[];
	readonly doNotDisturb: Set<string>;
	deleted: boolean;
}

const ACTIONS = {
	add: ["AEC_GROUP_ADD_USER", "AEC_GROUP_ADD_USER_AND_SYNC_ALL"],
	remove: ["AEC_GROUP_REMOVE_USER", "AEC_GROUP_REMOVE_USER_AND_SYNC_ALL"],
	on: ["AEC_SET_GROUP_PUSH_IGNORE", "AEC_SET_GROUP_PUSH_IGNORE_AND_SYNC_ALL"],
	off: ["AEC_UNSET_GROUP_PUSH_IGNORE", "AEC_UNSET_GROUP_PUSH_IGNORE_AND_SYNC_ALL"],
} as const;

/** Lists as a sloppy client may send them: padded, with empty entries and repeats. */
const sloppy = (ids: string[]) => ids.map((id, i) => (i % 2 ? ` ${id} ` : id)).join(",,");
const unique = (ids: string[]) => [...new Set(ids)];

export class ReferenceModel {
	readonly groups: Group[] = [];
	#lastCreate?: { data: string; id: string };
	#lastId = 0;

	constructor(
		readonly policy: Policy,
		readonly run: string,
	) {}

	rosterOf(group: Group): string {
		return roster(group.members.join(","), group.members.filter((m) => group.doNotDisturb.has(m)).join(","));
	}

	#permit(group: Group, actor: string, role: Role): string | undefined {
		if (role === "anyone") return undefined;
		if (role === "creator" && actor !== group.creator) return failure(53);
		return group.members.includes(actor) ? undefined : failure(49);
	}

	#group(slotIndex: number): Group | undefined {
		return slotIndex === 7 || this.groups.length === 0 ? undefined : this.groups[slotIndex % this.groups.length];
	}

	#actor(actor: Actor, group: Group | undefined): string {
		const members = group?.members ?? [];
		return actor.member && members.length ? (members[actor.index % members.length] ?? "") : (USERS[actor.index % USERS.length] ?? "");
	}

	/** Runs one step against the service and the model; throws on any difference. */
	async step(step: Step, index: number): Promise<void> {
		const expectAnswer = (body: string, expected: string, what: unknown) => {
			stats.answers.set(`${step.kind}:${body.slice(0, 16)}`, (stats.answers.get(`${step.kind}:${body.slice(0, 16)}`) ?? 0) + 1);
			if (body !== expected) throw new Error(`step ${index} ${JSON.stringify(what)}: answered ${body.slice(0, 200)}, the model expects ${expected.slice(0, 200)}`);
		};
		const { policy } = this;

		if (step.kind === "create" || step.kind === "resend") {
			let data: string;
			if (step.kind === "resend") {
				if (!this.#lastCreate) return;
				data = this.#lastCreate.data;
				const { body } = await post(data);
				return expectAnswer(body, `{"status":"1","data":"${this.#lastCreate.id}"}`, step);
			}
			const creator = USERS[step.actor] ?? "";
			const listed = step.users.map((u) => USERS[u] ?? "");
			// As StarRTC sends it: the name pasted in unescaped, bare when it starts with { or [;
			// the run and step make every create's data unique.
			const name = `${step.name}${this.run}-${index}`;
			data = `{"ts":"1795696589","action":"AEC_GROUP_CREATE","userId":"${creator}","addUsers":"${sloppy(listed)}","userDefineData":${/^[{[]/.test(name) ? name : `"${name}"`}}`;
			const members = unique([creator, ...listed]);
			const { body } = await post(data);
			if (members.length > policy.maxMembers) return expectAnswer(body, failure(62), step);
			const id = /^\{"status":"1","data":"(\d+)"\}$/.exec(body)?.[1];
			if (!id || Number(id) <= this.#lastId) throw new Error(`step ${index}: create answered ${body}, after id ${this.#lastId}`);
			this.#lastId = Number(id);
			this.#lastCreate = { data, id };
			this.groups.push({ id, creator, members, doNotDisturb: new Set(), deleted: false });
			return;
		}

		const group = this.#group(step.group);
		const groupId = group?.id ?? UNKNOWN_GROUP;
		const live = group && !group.deleted ? group : undefined;

		if (step.kind === "refused") {
			const variants: unknown[] = [
				{ action: "AEC_GROUP_EXPLODE", groupId },
				{ action: "AEC_GROUP_ADD_USER", userId: "u0", groupId, addUsers: "u1,bad\u0001id" },
				{ action: "AEC_GROUP_REMOVE_USER", userId: "u0,u1", groupId, removeUsers: "u2" },
				{ action: "AEC_GROUP_SYNC_ALL", groupId: `${groupId}x` },
				"{not json",
				{ action: "AEC_GROUP_ADD_USER", userId: "u0", groupId, addUsers: USERS.slice(0, policy.maxMembers + 1).concat(Array.from({ length: Math.max(0, policy.maxMembers + 1 - USERS.length) }, (_, i) => `x${i}`)).join(",") },
			];
			const expected = [failure(62), failure(62), failure(62), failure(62), failure(54), failure(62)];
			const { body } = await post(variants[step.variant] as object | string);
			return expectAnswer(body, expected[step.variant] ?? "", step);
		}

		if (step.kind === "sync") {
			const { body } = await post({ action: "AEC_GROUP_SYNC_ALL", groupId });
			return expectAnswer(body, live ? this.rosterOf(live) : failure(47), step);
		}

		const actor = this.#actor(step.actor, group);
		if (step.kind === "delete") {
			const { body } = await post({ action: "AEC_GROUP_DEL", userId: actor, groupId });
			if (!live) return expectAnswer(body, failure(47), step);
			const denied = this.#permit(live, actor, policy.delete);
			if (!denied) live.deleted = true;
			return expectAnswer(body, denied ?? DONE, step);
		}

		if (step.kind === "doNotDisturb") {
			const { body } = await post({ action: ACTIONS[step.on ? "on" : "off"][step.sync ? 1 : 0], userId: actor, groupId });
			if (!live) return expectAnswer(body, failure(47), step);
			if (!live.members.includes(actor)) return expectAnswer(body, failure(49), step);
			if (step.on) live.doNotDisturb.add(actor);
			else live.doNotDisturb.delete(actor);
			return expectAnswer(body, step.sync ? this.rosterOf(live) : DONE, step);
		}

		// add or remove
		const users = unique(step.users.map((u) => USERS[u] ?? ""));
		const field = step.kind === "add" ? "addUsers" : "removeUsers";
		const { body } = await post({ action: ACTIONS[step.kind][step.sync ? 1 : 0], userId: actor, groupId, [field]: sloppy(users) });
		if (users.length === 0 || users.length > policy.maxMembers) return expectAnswer(body, failure(62), step);
		if (!live) return expectAnswer(body, failure(47), step);
		const answer = () => (step.sync ? this.rosterOf(live) : DONE);
		if (step.kind === "add") {
			const denied = this.#permit(live, actor, policy.add);
			if (denied) return expectAnswer(body, denied, step);
			const joining = users.filter((u) => !live.members.includes(u));
			if (live.members.length + joining.length > policy.maxMembers) return expectAnswer(body, failure(62), step);
			live.members.push(...joining);
			return expectAnswer(body, answer(), step);
		}
		if (users.includes(live.creator)) return expectAnswer(body, failure(53), step);
		if (users.some((u) => u !== actor)) {
			const denied = this.#permit(live, actor, policy.remove);
			if (denied) return expectAnswer(body, denied, step);
		}
		live.members = live.members.filter((m) => !users.includes(m));
		for (const u of users) live.doNotDisturb.delete(u);
		return expectAnswer(body, answer(), step);
	}

	/** Every group's SYNC_ALL must match the model. */
	async checkAll(index: number): Promise<void> {
		for (const group of this.groups) {
			const { body } = await post({ action: "AEC_GROUP_SYNC_ALL", groupId: group.id });
			const expected = group.deleted ? failure(47) : this.rosterOf(group);
			if (body !== expected) throw new Error(`after step ${index}, group ${group.id} syncs to ${body.slice(0, 200)}; the model has ${expected.slice(0, 200)}`);
		}
	}
}

/** Time for a whole property run: MODEL_RUNS sequences at well under a second each. */
export const modelTimeout = () => 60_000 + inject("modelRuns") * 1000;

/** Runs the property with the run count, seed and path vitest.config.ts provides, and logs what it covered. */
export async function checkAgainstModel(policy: Policy): Promise<void> {
	await fc.assert(modelProperty(policy), { numRuns: inject("modelRuns"), seed: inject("modelSeed"), path: inject("modelPath") });
	console.log(JSON.stringify({ ...stats, answers: Object.fromEntries(stats.answers) }));
}

let runs = 0;
export const stats = { sequences: 0, steps: 0, answers: new Map<string, number>() };

/** The property: any sequence of steps leaves the service and the model in agreement. */
export function modelProperty(policy: Policy) {
	// Every sequence starts with a create, so most steps act on a real group.
	const first = fc.record({ kind: fc.constant("create" as const), actor: who, users: list, name: groupName });
	const sequence = fc.tuple(first, fc.array(stepArbitrary, { minLength: 5, maxLength: 49, size: "max" })).map(([a, rest]) => [a, ...rest]);
	return fc.asyncProperty(sequence, async (steps) => {
		// Sequences share nothing, so storage is wiped now and then: thousands of live objects
		// would otherwise slow the runtime down on long runs.
		if (runs % 100 === 99) await reset();
		const model = new ReferenceModel(policy, `run${runs++}-${crypto.randomUUID().slice(0, 8)}`);
		stats.sequences++;
		stats.steps += steps.length;
		for (const [index, step] of steps.entries()) {
			await model.step(step, index);
			await model.checkAll(index);
		}
	});
}
