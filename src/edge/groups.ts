import type { SettingsSource } from "../config";
import { Answer, type Roster } from "../protocol/answer";
import type { GroupCommand } from "../protocol/callback";
import { ErrorCode, fail, type Outcome } from "../protocol/errors";

/** The id counter is a single object. */
const COUNTER_NAME = "ids";

const hex = (bytes: ArrayBuffer) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");

/**
 * Calls a Durable Object. Every group call is safe to repeat (creates carry
 * their key; the rest are idempotent), so an error the runtime marks retryable
 * is retried with a fresh stub; an overloaded object is not retried, as the
 * platform advises.
 */
async function call<T>(attempt: () => Promise<Outcome<T>>): Promise<Outcome<T>> {
	for (let tries = 1; ; tries++) {
		try {
			return await attempt();
		} catch (error) {
			const retryable = (error as { retryable?: boolean; overloaded?: boolean }) ?? {};
			if (tries < 3 && retryable.retryable && !retryable.overloaded) continue;
			return fail(ErrorCode.InternalError, `durable object call failed: ${String(error)}`);
		}
	}
}

function answer<T>(outcome: Outcome<T>, toAnswer: (value: T) => Answer): Answer {
	return outcome.ok ? toAnswer(outcome.value) : Answer.failure(outcome);
}
const rosterOrDone = (roster: Roster | undefined) => (roster ? Answer.roster(roster) : Answer.done());

/** Applies one group action in the group's own object and answers it. */
export async function runGroupCommand(env: SettingsSource, command: GroupCommand, data: string): Promise<Answer> {
	if (command.kind === "create") {
		// The exact data text identifies a create, so a resend of it finds the same group.
		const createKey = hex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(data)));
		const { requester: creator, members, userDefineData } = command;
		const counter = () => env.GROUP_IDS.getByName(COUNTER_NAME);
		return answer(await call(() => counter().createGroup({ creator, members, userDefineData, createKey })), Answer.value);
	}
	const group = () => env.GROUPS.getByName(command.groupId);
	switch (command.kind) {
		case "sync":
			return answer(await call(() => group().syncAll()), Answer.roster);
		case "delete":
			return answer(await call(() => group().deleteGroup(command.requester)), Answer.done);
		case "add":
			return answer(await call(() => group().addMembers(command.requester, command.users, command.sync)), rosterOrDone);
		case "remove":
			return answer(await call(() => group().removeMembers(command.requester, command.users, command.sync)), rosterOrDone);
		case "doNotDisturb":
			return answer(await call(() => group().setDoNotDisturb(command.requester, command.on, command.sync)), rosterOrDone);
	}
}
