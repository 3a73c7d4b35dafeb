import { beforeAll, describe, inject, it } from "vitest";
import { checkAgainstModel, modelTimeout } from "../model/reference";
import { Receiver, deliverAll, replay, rosterOf } from "./receiver";

// Callbacks and the app's changes mixed, as in the reference model; after each sequence every
// group's outbox is delivered, and the messages the receiver acknowledged, replayed in order as
// docs/webhooks.md tells a receiver to, must give the group's SYNC_ALL (or its deletion), and the
// group's history must hold the same messages. A fifth of MODEL_RUNS sequences: each one delivers
// every group's messages and reads every group.
const receiver = new Receiver();
beforeAll(() => void receiver.install());
const budget = { runs: Math.max(1, Math.ceil(inject("modelRuns") / 5)), perRunMs: 5000 };

describe("the webhook receiver's copy of every group agrees with the group", () => {
	it("over random sequences of callbacks and app changes (shipped policy, WEBHOOK_URL set)", {
		timeout: modelTimeout(budget),
	}, async () => {
		await checkAgainstModel(
			{ add: "member", remove: "creator", delete: "creator", maxMembers: 20000 },
			{
				app: true,
				afterSequence: async (model) => {
					for (const group of model.groups) {
						await deliverAll(group.id);
						const copy = replay(receiver.of(group.id));
						if (copy.deleted !== group.deleted) throw new Error(`group ${group.id}: the receiver has deleted=${copy.deleted}`);
						const expected = group.roster().body;
						if (!group.deleted && rosterOf(copy) !== expected)
							throw new Error(`group ${group.id}: the receiver's copy is ${rosterOf(copy)}, the group's SYNC_ALL ${expected}`);
					}
					if (receiver.unverified.length || receiver.strangers.length)
						throw new Error(`unverified: ${receiver.unverified}, strangers: ${receiver.strangers}`);
					receiver.reset();
				},
			},
			budget,
		);
	});
});
