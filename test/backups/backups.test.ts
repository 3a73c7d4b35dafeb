import {
	createExecutionContext,
	createScheduledController,
	env,
	evictDurableObject,
	runDurableObjectAlarm,
	waitOnExecutionContext,
} from "cloudflare:test";
import { describe, it } from "vitest";
import { PART_BYTES } from "../../src/backups/backup-runner";
import { dayOf, expired, keepDays } from "../../src/backups/files";
import type { BackupEnv } from "../../src/backups/backup-runner";
import worker from "../../src/index";
import { appCall, appCreate } from "../api/client";
import { createGroup, drainOutbox, failStatements, loggedLines, post } from "../helpers";

// The nightly backup, with Miniflare's R2 (this project binds BACKUPS) and the Worker's scheduled
// handler: the file R2 holds at the end is every live group's export, in id order, written in
// parts R2 accepts (Miniflare refuses parts under 5 MiB or of unequal sizes, as R2 does).
const bucket = (env as unknown as BackupEnv).BACKUPS as R2Bucket;
const runner = () => env.BACKUP_RUNNER.getByName("backups");

async function trigger(environment: BackupEnv, when = Date.now()) {
	const ctx = createExecutionContext();
	await worker.scheduled(createScheduledController({ scheduledTime: when, cron: "17 3 * * *" }), environment as Env, ctx);
	await waitOnExecutionContext(ctx);
}

/** Runs the runner's alarms until its run is no longer under way. */
async function finish() {
	for (let step = 0; step < 500; step++) {
		const status = await runner().status();
		if (status.ok && status.value?.state !== "running") return status.value;
		await runDurableObjectAlarm(runner());
	}
	throw new Error("the backup did not finish");
}

describe("the nightly backup to R2", () => {
	it("writes every live group's export line, in id order, in parts R2 takes; deletes files past BACKUP_KEEP_DAYS", {
		timeout: 120_000,
	}, async ({ expect }) => {
		// Four groups of 20,000 long ids (over 3 MB a line), so the file needs three parts: two whole, one last.
		const groups: string[] = [];
		for (let g = 0; g < 4; g++) {
			const id = String(800_000 + g);
			const members = Array.from({ length: 20_000 }, (_, i) => `member-${g}-${i}-${"x".repeat(70)}`);
			const put = await appCall("PUT", `/v1/groups/${id}`, {
				creator: members[0],
				members,
				doNotDisturb: [members[3]],
				name: `big ${g}`,
				createdAt: 5,
			});
			expect(put.status).toBe(201);
			groups.push(id);
		}
		// Small ones from both doors, a name with quotes and CJK, DND, and one deleted (absent from the file).
		const named = await createGroup("王小明", ["王小明", "b"], 'say "你好"\\');
		expect((await post({ action: "AEC_SET_GROUP_PUSH_IGNORE", userId: "b", groupId: named })).body).toBe('{"status":"1"}');
		const app = await appCreate("c", ["d", "e"], "app");
		const gone = await appCreate("c", ["f"], "gone");
		expect((await appCall("DELETE", `/v1/groups/${gone}`)).status).toBe(200);
		groups.push(named, app);
		for (const g of [...groups, gone]) await drainOutbox(g);

		const today = dayOf(Date.now());
		const daysAgo = (n: number) => dayOf(Date.now() - n * 86_400_000);
		for (const key of [`groups-${daysAgo(40)}.ndjson`, `groups-${daysAgo(30)}.ndjson`, `groups-${daysAgo(29)}.ndjson`, "notes.txt"])
			await bucket.put(key, "old");

		await trigger(env as unknown as BackupEnv);
		const done = await finish();
		expect(done).toMatchObject({ date: today, state: "done", groups: 6 });
		expect(done?.parts).toBe(3);

		const file = await bucket.get(`groups-${today}.ndjson`);
		const text = (await file?.text()) ?? "";
		expect(text.length).toBeGreaterThan(PART_BYTES);
		const lines = text.split("\n");
		expect(lines.pop()).toBe("");
		const ids = lines.map((l) => (JSON.parse(l) as { groupId: string }).groupId);
		expect(ids).toEqual([...groups].sort((a, b) => Number(a) - Number(b)));
		for (const line of lines) {
			const { groupId } = JSON.parse(line) as { groupId: string };
			const exported = await appCall("GET", `/v1/groups/${groupId}/export`);
			expect(JSON.parse(line)).toEqual(exported.json);
		}
		const listed = (await bucket.list()).objects.map((o) => o.key).sort();
		expect(listed).toEqual([`groups-${daysAgo(29)}.ndjson`, `groups-${today}.ndjson`, "notes.txt"].sort());

		// Triggered again the same day: nothing more to do.
		const again = await loggedLines(() => trigger(env as unknown as BackupEnv));
		expect(again).toEqual([]);
		expect(await runner().status()).toMatchObject({ ok: true, value: { state: "done", date: today } });
	});

	it("a step that fails is tried again later, and the run still completes; a trigger meanwhile is skipped", async ({ expect }) => {
		const id = await appCreate("retry-owner", ["retry-member"], "retry");
		await drainOutbox(id);
		// The first listing statement of one registry shard fails: the first step cannot list.
		for (let n = 0; n < 4; n++)
			await failStatements(env.REGISTRY.getByName(`registry-${n}`), /FROM groups\s+WHERE deleted = 0/, { nth: 1 });
		const when = Date.now() + 3 * 86_400_000;
		const failed = await loggedLines(async () => {
			await trigger(env as unknown as BackupEnv, when);
			const failures = async () => {
				const status = await runner().status();
				return status.ok ? (status.value?.failures ?? 0) : 0;
			};
			for (let i = 0; i < 100 && !(await failures()); i++) await runDurableObjectAlarm(runner());
		});
		expect(failed.filter((l) => l.outcome !== "OK")).toMatchObject([
			{ backup: "groups", outcome: "RETRY", failures: 1, reason: expect.stringContaining("listing") },
		]);
		expect(await runner().status()).toMatchObject({ ok: true, value: { state: "running", groups: 0, failures: 1 } });
		const busy = await loggedLines(() => trigger(env as unknown as BackupEnv, when + 3_600_000));
		expect(busy).toMatchObject([{ outcome: "BUSY", reason: "a run is under way; this trigger is skipped" }]);
		const done = await finish();
		expect(done).toMatchObject({ date: dayOf(when), state: "done" });
		const text = (await (await bucket.get(`groups-${dayOf(when)}.ndjson`))?.text()) ?? "";
		expect(text).toContain(`"groupId":"${id}"`);
		for (let n = 0; n < 4; n++) await evictDurableObject(env.REGISTRY.getByName(`registry-${n}`));
	});

	it("without the BACKUPS binding, the trigger writes nothing and says so once", async ({ expect }) => {
		const without = { ...(env as unknown as BackupEnv), BACKUPS: undefined };
		const lines = await loggedLines(async () => {
			await trigger(without);
			await trigger(without);
		});
		expect(lines).toEqual([{ backup: "groups", outcome: "OFF", reason: "no BACKUPS binding: no backup is written" }]);
	});
});

describe("which backup files go", () => {
	it("BACKUP_KEEP_DAYS: empty is 30, 0 keeps all, anything but 0 to 3650 days is refused", ({ expect }) => {
		expect([keepDays(""), keepDays(undefined), keepDays("0"), keepDays("7"), keepDays("3650")]).toEqual([30, 30, 0, 7, 3650]);
		expect([keepDays("3651"), keepDays("-1"), keepDays("1.5"), keepDays("a")]).toEqual([undefined, undefined, undefined, undefined]);
	});

	it("those dated `keep` days or more before today, and only this service's names", ({ expect }) => {
		const keys = ["groups-2026-11-01.ndjson", "groups-2026-11-02.ndjson", "groups-2026-12-01.ndjson", "groups-2026-11-01.ndjson.bak", "x"];
		expect(expired(keys, "2026-12-02", 30)).toEqual(["groups-2026-11-01.ndjson", "groups-2026-11-02.ndjson"]);
		expect(expired(keys, "2026-12-02", 1)).toEqual(["groups-2026-11-01.ndjson", "groups-2026-11-02.ndjson", "groups-2026-12-01.ndjson"]);
		expect(expired(keys, "2026-12-02", 0)).toEqual([]);
	});
});
