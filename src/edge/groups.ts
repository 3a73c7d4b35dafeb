import type { SettingsSource } from "../config";
import { Answer } from "../protocol/answer";
import type { GroupCommand } from "../protocol/callback";
import { callObject as call } from "../group/rpc";
import type { Outcome } from "../protocol/errors";

/** The id counter is a single object. */
const COUNTER_NAME = "ids";

const hex = (bytes: ArrayBuffer) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");

/** The group object answers itself; the edge only turns its failures into answers. */
const settle = (outcome: Outcome<Answer>): Answer => (outcome.ok ? outcome.value : Answer.failure(outcome));

/** Applies one group action in the group's own object and answers it. */
export async function runGroupCommand(env: SettingsSource, command: GroupCommand, data: string): Promise<Answer> {
	if (command.kind === "create") {
		// The exact data text identifies a create, so a resend of it finds the same group.
		const createKey = hex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(data)));
		const { requester: creator, members, userDefineData } = command;
		const counter = () => env.GROUP_IDS.getByName(COUNTER_NAME);
		const created = await call(() => counter().createGroup({ creator, members, userDefineData, createKey, origin: "starrtc" }));
		return created.ok ? Answer.value(created.value) : Answer.failure(created);
	}
	const group = () => env.GROUPS.getByName(command.groupId);
	switch (command.kind) {
		case "sync":
			return settle(await call(() => group().syncAll()));
		case "delete":
			return settle(await call(() => group().deleteGroup(command.requester)));
		case "add":
			return settle(await call(() => group().addMembers(command.requester, command.users, command.sync)));
		case "remove":
			return settle(await call(() => group().removeMembers(command.requester, command.users, command.sync)));
		case "doNotDisturb":
			return settle(await call(() => group().setDoNotDisturb(command.requester, command.on, command.sync)));
	}
}
