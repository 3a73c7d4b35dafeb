import type { SettingsSource } from "../config";
import type { ReplayGuard } from "../group/types";
import { Answer } from "../protocol/answer";
import type { GroupCommand } from "../protocol/callback";
import { callObject as call } from "../group/rpc";
import { ErrorCode, fail, type Outcome } from "../protocol/errors";
import { COUNTER_NAME } from "../counter/group-id-counter";
import { sha256Hex } from "../shared/digest";

/** How often one isolate may ask the counter for its highest id. */
export const MINTED_REFRESH_MS = 100;

/** The exact data text identifies a callback: a resend of it has the same key. */
const keyOf = sha256Hex;

/**
 * This isolate's knowledge of the highest group id the counter has minted, so a
 * callback naming an id above it is refused without waking (or creating) a group
 * object. The counter is asked only when a callback names an id above the mark,
 * at most once per MINTED_REFRESH_MS per isolate, and each request asks it itself
 * (no promise is shared between requests).
 */
const minted = { highest: 0, askedAt: Number.NEGATIVE_INFINITY, asking: false, answeredFor: Number.NEGATIVE_INFINITY };

/** false only when a count read after this request arrived is below `groupId`. */
async function mayExist(env: SettingsSource, groupId: number): Promise<boolean> {
	const arrived = Date.now();
	while (groupId > minted.highest) {
		// A group StarRTC names was created before it sent the callback, so a count read
		// strictly after the callback arrived includes it.
		if (minted.answeredFor > arrived) return false;
		const wait = minted.asking ? 10 : minted.askedAt + MINTED_REFRESH_MS - Date.now();
		if (wait > 0) {
			await new Promise((resolve) => setTimeout(resolve, wait));
			continue;
		}
		const askedAt = Date.now();
		minted.asking = true;
		minted.askedAt = askedAt;
		try {
			minted.highest = Math.max(minted.highest, await env.GROUP_IDS.getByName(COUNTER_NAME).highestGroupId());
			minted.answeredFor = Math.max(minted.answeredFor, askedAt);
		} catch {
			return true; // The counter cannot tell: let the group's object answer.
		} finally {
			minted.asking = false;
		}
		// This read began after the callback arrived.
		if (groupId > minted.highest) return false;
	}
	return true;
}

/** The group object answers itself; the edge only turns its failures into answers. */
const settle = (outcome: Outcome<Answer>): Answer => (outcome.ok ? outcome.value : Answer.failure(outcome));

/**
 * Applies one group action in the group's own object and answers it. With
 * `replayWindowMs`, a mutating callback carries its key, and the group does not
 * apply the same data twice within that time.
 */
export async function runGroupCommand(env: SettingsSource, command: GroupCommand, data: string, replayWindowMs?: number): Promise<Answer> {
	if (command.kind === "create") {
		const createKey = await keyOf(data);
		const { requester: creator, members, userDefineData } = command;
		const counter = () => env.GROUP_IDS.getByName(COUNTER_NAME);
		const created = await call(() => counter().createGroup({ creator, members, userDefineData, createKey, origin: "starrtc" }));
		if (!created.ok) return Answer.failure(created);
		minted.highest = Math.max(minted.highest, Number(created.value));
		return Answer.value(created.value);
	}
	if (!(await mayExist(env, Number(command.groupId)))) {
		return Answer.failure(fail(ErrorCode.UnknownGroup, "no such group (above every id minted so far)"));
	}
	const group = () => env.GROUPS.getByName(command.groupId);
	if (command.kind === "sync") return settle(await call(() => group().syncAll()));
	if (command.kind === "delete") return settle(await call(() => group().deleteGroup(command.requester)));
	// Only membership and DND changes are guarded: a resent sync or delete changes nothing twice anyway.
	const replay: ReplayGuard | undefined = replayWindowMs === undefined ? undefined : { key: await keyOf(data), keepMs: replayWindowMs };
	switch (command.kind) {
		case "add":
			return settle(await call(() => group().addMembers(command.requester, command.users, command.sync, replay)));
		case "remove":
			return settle(await call(() => group().removeMembers(command.requester, command.users, command.sync, replay)));
		case "doNotDisturb":
			return settle(await call(() => group().setDoNotDisturb(command.requester, command.on, command.sync, replay)));
	}
}
