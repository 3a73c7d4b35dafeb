import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, it } from "vitest";
import { EventLog } from "../../src/events/history";
import { createGroup, post } from "../helpers";
import { Receiver, deliverAll } from "./receiver";

const receiver = new Receiver();
beforeAll(() => void receiver.install());
beforeEach(() => receiver.reset());

const DAY = 86_400_000;

describe("pruning a group's messages", () => {
	it("deletes what is past keeping and delivered, never one that waits for the receiver", async ({ expect }) => {
		const id = await createGroup("pk-alice", ["pk-alice"]);
		await post({ action: "AEC_GROUP_ADD_USER", userId: "pk-alice", groupId: id, addUsers: "pk-bob" });
		await deliverAll(id);
		receiver.down = true;
		await post({ action: "AEC_GROUP_ADD_USER", userId: "pk-alice", groupId: id, addUsers: "pk-carol" });
		await post({ action: "AEC_GROUP_ADD_USER", userId: "pk-alice", groupId: id, addUsers: "pk-dave" });
		const left = await runInDurableObject(env.GROUPS.getByName(id), (_, state) => {
			const sql = state.storage.sql;
			const versions = () =>
				sql
					.exec<{ seq: number }>("SELECT seq FROM events ORDER BY seq")
					.toArray()
					.map((r) => Math.floor(r.seq / 65536));
			const log = new EventLog(sql);
			const before = versions();
			// Not yet past keeping (a year from now, with 400 days kept): nothing goes.
			log.prune(Date.now() + 365 * DAY, 400, false);
			const kept = versions();
			// 0 days kept: everything delivered goes; the two waiting stay.
			log.prune(Date.now() + DAY, 0, false);
			const waiting = versions();
			// A deleted group: still not the waiting ones.
			log.prune(Date.now(), 30, true);
			return { before, kept, waiting, deleted: versions() };
		});
		expect(left).toEqual({ before: [1, 2, 3, 4], kept: [1, 2, 3, 4], waiting: [3, 4], deleted: [3, 4] });
	});
});
