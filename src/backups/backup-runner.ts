import { DurableObject } from "cloudflare:workers";
import type { SettingsSource } from "../config";
import { callObject } from "../group/rpc";
import { ErrorCode, ok, type Outcome } from "../protocol/errors";
import { listGroups } from "../registry/listing";
import { backupKey, expired, keepDays } from "./files";

/**
 * R2 takes a multipart upload whose parts are all the same size, at least 5 MiB,
 * but the last (smaller). So bytes wait here until a whole part is in hand.
 */
export const PART_BYTES = 5 * 1024 * 1024;
/** Groups listed and exported per step at most: each is one object call, and calls per invocation are bounded. */
export const STEP_GROUPS = 100;
/** Members exported per step at most (but always one group): bounds a step's memory and time when groups are big. */
const STEP_MEMBERS = 60_000;
/** Group objects called at once. */
const PARALLEL_CALLS = 6;
/** A piece of waiting bytes per row: under SQLite's 2 MB value limit. */
const ROW_BYTES = 1024 * 1024;
/** Steps that fail in a row before the run is given up (its upload aborted); a later trigger starts afresh. */
const MAX_FAILURES = 8;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS run (
	singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
	date TEXT NOT NULL,
	state TEXT NOT NULL,
	upload_id TEXT NOT NULL,
	cursor TEXT,
	listed_all INTEGER NOT NULL,
	parts TEXT NOT NULL,
	groups INTEGER NOT NULL,
	bytes INTEGER NOT NULL,
	started_at INTEGER NOT NULL,
	failures INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS waiting (
	seq INTEGER PRIMARY KEY,
	data BLOB NOT NULL
);
`;

interface Run {
	readonly date: string;
	readonly state: "running" | "done" | "failed";
	readonly uploadId: string;
	readonly cursor: string | null;
	readonly listedAll: boolean;
	readonly parts: R2UploadedPart[];
	readonly groups: number;
	readonly bytes: number;
	readonly startedAt: number;
	readonly failures: number;
}

export type BackupEnv = SettingsSource & { readonly BACKUPS?: R2Bucket };

/** What `start` did: began today's run; one is under way already (today's or an earlier day's); today's is done. */
export type Started = "started" | "running" | "done";

const log = (fields: Record<string, unknown>) => console.log(JSON.stringify({ backup: "groups", ...fields }));
const utf8 = new TextEncoder();

/**
 * The nightly backup (docs/operations.md "Backups and restore"), one object named
 * "backups": the cron trigger starts a run; each alarm then lists a page of
 * groups, exports each (one snapshot per group), and keeps the lines until a
 * whole part can go to R2. The last step sends the rest, completes the upload
 * and deletes files older than BACKUP_KEEP_DAYS. A step that fails is tried again
 * later; the run survives restarts, since everything it needs is in its table.
 */
export class BackupRunner extends DurableObject<BackupEnv> {
	readonly #sql: SqlStorage;

	constructor(ctx: DurableObjectState, env: BackupEnv) {
		super(ctx, env);
		this.#sql = ctx.storage.sql;
		ctx.blockConcurrencyWhile(async () => this.#sql.exec(SCHEMA));
	}

	/** The cron trigger's call: starts the run of `date` unless one is under way or `date`'s is done. */
	async start(date: string): Promise<Outcome<Started>> {
		const bucket = this.env.BACKUPS;
		if (!bucket) return ok("done");
		const run = this.#run();
		if (run?.state === "running") {
			// A run left without its alarm (the binding was away when it fired) goes on from here.
			if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now());
			log({ outcome: "BUSY", date, running: run.date, reason: "a run is under way; this trigger is skipped" });
			return ok("running");
		}
		if (run?.date === date && run.state === "done") return ok("done");
		const upload = await bucket.createMultipartUpload(backupKey(date), {
			httpMetadata: { contentType: "application/x-ndjson" },
		});
		this.ctx.storage.transactionSync(() => {
			this.#sql.exec("DELETE FROM waiting");
			this.#sql.exec(
				"INSERT OR REPLACE INTO run VALUES (1, ?, 'running', ?, NULL, 0, '[]', 0, 0, ?, 0)",
				date,
				upload.uploadId,
				Date.now(),
			);
		});
		await this.ctx.storage.setAlarm(Date.now());
		log({ outcome: "OK", step: "started", key: backupKey(date) });
		return ok("started");
	}

	/** Where the run is, for tests and operators' curiosity. */
	status(): Outcome<{ date: string; state: string; groups: number; bytes: number; parts: number; failures: number } | null> {
		const run = this.#run();
		if (!run) return ok(null);
		return ok({ date: run.date, state: run.state, groups: run.groups, bytes: run.bytes, parts: run.parts.length, failures: run.failures });
	}

	override async alarm(): Promise<void> {
		const run = this.#run();
		const bucket = this.env.BACKUPS;
		if (run?.state !== "running" || !bucket) return;
		const upload = bucket.resumeMultipartUpload(backupKey(run.date), run.uploadId);
		try {
			const finished = await this.#step(run, bucket, upload);
			if (!finished) await this.ctx.storage.setAlarm(Date.now());
		} catch (error) {
			const failures = run.failures + 1;
			const reason = String(error).slice(0, 200);
			if (failures < MAX_FAILURES) {
				this.#sql.exec("UPDATE run SET failures = ?", failures);
				log({ outcome: "RETRY", key: backupKey(run.date), failures, reason });
				await this.ctx.storage.setAlarm(Date.now() + 15_000 * 2 ** failures);
				return;
			}
			this.#sql.exec("UPDATE run SET state = 'failed', failures = ?", failures);
			this.#sql.exec("DELETE FROM waiting");
			log({ outcome: "GIVEN_UP", key: backupKey(run.date), failures, reason });
			await upload.abort().catch(() => {});
		}
	}

	/** One step; true once the file is complete. */
	async #step(run: Run, bucket: R2Bucket, upload: R2MultipartUpload): Promise<boolean> {
		if (!run.listedAll) {
			const page = await listGroups(this.env, run.cursor ?? undefined, STEP_GROUPS);
			if (!page.ok) throw new Error(`listing: ${page.code} ${page.reason}`);
			// The page's first groups up to the member budget; the listing's cursor is the last id taken (src/registry/listing.ts).
			const taken: string[] = [];
			let members = 0;
			for (const g of page.value.groups) {
				members += g.memberCount;
				if (taken.length && members > STEP_MEMBERS) break;
				taken.push(g.groupId);
			}
			const cut = taken.length < page.value.groups.length;
			const next = cut ? taken.at(-1) : page.value.next;
			const lines = await exportAll(this.env, taken);
			const bytes = utf8.encode(lines.join(""));
			this.ctx.storage.transactionSync(() => {
				this.#keep(bytes);
				this.#sql.exec(
					"UPDATE run SET cursor = ?, listed_all = ?, groups = groups + ?, bytes = bytes + ?, failures = 0",
					next ?? null,
					next ? 0 : 1,
					lines.length,
					bytes.length,
				);
			});
		}
		const now = this.#run() ?? run;
		// Whole parts while there are; the rest as the last part once every group is in.
		for (let waiting = this.#waiting(); waiting.length >= PART_BYTES || (now.listedAll && waiting.length > 0); waiting = this.#waiting()) {
			const part = waiting.slice(0, Math.min(PART_BYTES, waiting.length));
			const partNumber = now.parts.length + 1;
			const uploaded = await upload.uploadPart(partNumber, part);
			const rest = waiting.slice(part.length);
			this.ctx.storage.transactionSync(() => {
				this.#sql.exec("DELETE FROM waiting");
				this.#keep(rest);
				now.parts.push(uploaded);
				this.#sql.exec("UPDATE run SET parts = ?", JSON.stringify(now.parts));
			});
		}
		if (!now.listedAll) return false;
		const key = backupKey(now.date);
		if (now.parts.length) await upload.complete(now.parts);
		else {
			// No group at all: an empty file (a multipart upload needs a part).
			await upload.abort();
			await bucket.put(key, "", { httpMetadata: { contentType: "application/x-ndjson" } });
		}
		this.#sql.exec("UPDATE run SET state = 'done'");
		log({
			outcome: "OK",
			step: "done",
			key,
			groups: now.groups,
			bytes: now.bytes,
			parts: now.parts.length,
			seconds: (Date.now() - now.startedAt) / 1000,
		});
		await this.#prune(bucket, now.date);
		return true;
	}

	/** Deletes the files older than BACKUP_KEEP_DAYS; an unreadable setting deletes nothing. */
	async #prune(bucket: R2Bucket, today: string): Promise<void> {
		const keep = keepDays(this.env.BACKUP_KEEP_DAYS);
		if (keep === undefined) {
			log({ outcome: "BAD_CONFIGURATION", reason: "BACKUP_KEEP_DAYS is not a whole number of days from 0 to 3650: no file deleted" });
			return;
		}
		const keys: string[] = [];
		let cursor: string | undefined;
		do {
			const listed = await bucket.list({ prefix: "groups-", cursor });
			keys.push(...listed.objects.map((o) => o.key));
			cursor = listed.truncated ? listed.cursor : undefined;
		} while (cursor);
		const old = expired(keys, today, keep);
		if (old.length) {
			for (let i = 0; i < old.length; i += 1000) await bucket.delete(old.slice(i, i + 1000));
			log({ outcome: "OK", step: "pruned", deleted: old });
		}
	}

	#run(): Run | undefined {
		const row = this.#sql
			.exec<{
				date: string;
				state: Run["state"];
				upload_id: string;
				cursor: string | null;
				listed_all: number;
				parts: string;
				groups: number;
				bytes: number;
				started_at: number;
				failures: number;
			}>("SELECT * FROM run")
			.toArray()[0];
		if (!row) return undefined;
		return {
			date: row.date,
			state: row.state,
			uploadId: row.upload_id,
			cursor: row.cursor,
			listedAll: row.listed_all === 1,
			parts: JSON.parse(row.parts) as R2UploadedPart[],
			groups: row.groups,
			bytes: row.bytes,
			startedAt: row.started_at,
			failures: row.failures,
		};
	}

	/** Adds bytes after those waiting for their part, in rows SQLite takes. Inside a transaction. */
	#keep(bytes: Uint8Array): void {
		for (let at = 0; at < bytes.length; at += ROW_BYTES) {
			this.#sql.exec("INSERT INTO waiting (data) VALUES (?)", bytes.slice(at, at + ROW_BYTES).buffer);
		}
	}

	/** Every byte waiting for its part, in order. */
	#waiting(): Uint8Array {
		const rows = this.#sql.exec<{ data: ArrayBuffer }>("SELECT data FROM waiting ORDER BY seq").toArray();
		const all = new Uint8Array(rows.reduce((n, r) => n + r.data.byteLength, 0));
		let at = 0;
		for (const r of rows) {
			all.set(new Uint8Array(r.data), at);
			at += r.data.byteLength;
		}
		return all;
	}
}

/** Each group's export line, in the given (id) order; a group deleted since the listing is left out. */
async function exportAll(env: SettingsSource, ids: readonly string[]): Promise<string[]> {
	const lines: (string | undefined)[] = new Array(ids.length);
	let next = 0;
	const worker = async () => {
		while (next < ids.length) {
			const i = next++;
			const id = ids[i] as string;
			const answer = await callObject(() => env.GROUPS.getByName(id).exportGroup());
			if (answer.ok) lines[i] = `${JSON.stringify(answer.value)}\n`;
			else if (answer.code !== ErrorCode.UnknownGroup) throw new Error(`group ${id}: ${answer.code} ${answer.reason}`);
		}
	};
	await Promise.all(Array.from({ length: Math.min(PARALLEL_CALLS, ids.length) }, worker));
	return lines.filter((l): l is string => l !== undefined);
}
