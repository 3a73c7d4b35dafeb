import { beforeAll, describe, expect, inject, it } from "vitest";
import { appCall } from "../api/client";
import { checkAgainstModel, modelTimeout } from "../model/reference";
import { Receiver, deliverAll, replay, rosterOf } from "./receiver";

// Callbacks, the app's changes and imports mixed, as in the reference model; after each sequence
// every group's outbox is delivered, and the messages the receiver acknowledged, replayed in order
// as docs/webhooks.md tells a receiver to, must give the group's SYNC_ALL (members in join order
// and the DND list) or its deletion, and the group's history must hold the same messages. A fifth
// of MODEL_RUNS sequences: each one delivers every group's messages and reads every group.
const receiver = new Receiver();
beforeAll(() => void receiver.install());
const budget = { runs: Math.max(1, Math.ceil(inject("modelRuns") / 5)), perRunMs: 5000 };

/** Every message type from every origin that makes it, as `type/origin` (an import's with its result). */
const KINDS = [
	...["created", "members_added", "members_removed", "dnd_on", "dnd_off", "deleted"].flatMap((t) => [
		`group.${t}/starrtc`,
		`group.${t}/app`,
	]),
	"group.imported/import/created",
	"group.imported/import/replaced",
];

describe("the webhook receiver's copy of every group agrees with the group", () => {
	it("over random sequences of callbacks, app changes and imports (shipped policy, WEBHOOK_URL set)", {
		timeout: modelTimeout(budget),
	}, async () => {
		const replayed = new Set<string>();
		await checkAgainstModel(
			{ add: "member", remove: "creator", delete: "creator", maxMembers: 20000 },
			{
				app: true,
				imports: true,
				afterSequence: async (model) => {
					for (const group of model.groups) {
						await deliverAll(group.id);
						const delivered = receiver.of(group.id);
						const copy = replay(delivered);
						if (copy.deleted !== group.deleted) throw new Error(`group ${group.id}: the receiver has deleted=${copy.deleted}`);
						const expected = group.roster().body;
						if (!group.deleted && rosterOf(copy) !== expected)
							throw new Error(`group ${group.id}: the receiver's copy is ${rosterOf(copy)}, the group's SYNC_ALL ${expected}`);
						// Each message once: the receiver acknowledges every try, so a second try is a repeat sent in vain.
						const tries = receiver.tries.filter((t) => t.data.groupId === group.id);
						if (tries.length !== new Set(tries.map((t) => t.id)).size) throw new Error(`group ${group.id}: a message came twice`);
						for (const m of delivered) replayed.add([m.type, m.data.origin, ...(m.data.result ? [m.data.result] : [])].join("/"));
						if (group.deleted) continue;
						// The history holds what was delivered: the same bodies under the same webhook-ids.
						const page = await appCall("GET", `/v1/groups/${group.id}/events?limit=1000`);
						const history = (page.json.events as { id: string; webhook: string }[]).map(({ id, webhook, ...m }) => [id, webhook, m]);
						const sent = delivered.map((m) => [m.id, "delivered", JSON.parse(m.body)]);
						expect(history, `group ${group.id}: the history against what the receiver got`).toEqual(sent);
					}
					if (receiver.unverified.length || receiver.strangers.length)
						throw new Error(`unverified: ${receiver.unverified}, strangers: ${receiver.strangers}`);
					receiver.reset();
				},
			},
			budget,
		);
		// The replay check saw every kind of change from every origin.
		expect(KINDS.filter((k) => !replayed.has(k))).toEqual([]);
	});
});
