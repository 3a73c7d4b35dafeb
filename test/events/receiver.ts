import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { vi } from "vitest";
import { TEST_WEBHOOK_SECRET, TEST_WEBHOOK_URL } from "../guard-token";

/** A message as the receiver verified it: its headers, its body text and what it says. */
export interface Received {
	readonly id: string;
	readonly timestamp: string;
	readonly signature: string;
	readonly body: string;
	readonly type: string;
	readonly data: MessageData;
	/** The HTTP status the receiver answered. */
	readonly status: number;
}

export interface MessageData {
	readonly groupId: string;
	readonly version: number;
	readonly part: number;
	readonly parts: number;
	readonly origin: "starrtc" | "app" | "import";
	readonly actor: string | null;
	readonly userIds: string[];
	readonly name?: string;
	readonly creator?: string;
	readonly createdAt?: string;
	readonly doNotDisturb?: string[];
	readonly result?: string;
}

/**
 * The app's webhook receiver, installed as the isolate's fetch (the group
 * objects run in this isolate): every request to WEBHOOK_URL is verified with
 * the `standardwebhooks` package, the reference implementation, and recorded
 * with the status it was answered. A request that does not verify fails the
 * test (`unverified`). Answers can be scripted: the next few tries refused
 * with a status, the receiver down (a network error), or held (a timeout).
 */
export class Receiver {
	/** Every try, in the order it came. */
	readonly tries: Received[] = [];
	/** Requests that did not verify, with why. */
	readonly unverified: string[] = [];
	/** Requests to another URL. */
	readonly strangers: string[] = [];
	/** The next tries are answered with these statuses, first first. */
	readonly answers: number[] = [];
	down = false;
	/** Tries are held this long before they are answered (past WEBHOOK_TIMEOUT_MS: a timeout). */
	holdMs = 0;
	readonly #verifier = new Webhook(TEST_WEBHOOK_SECRET);

	install(): this {
		vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
			const request = new Request(input, init);
			if (request.url !== TEST_WEBHOOK_URL) {
				this.strangers.push(request.url);
				throw new TypeError(`unexpected fetch ${request.url}`);
			}
			if (this.down) throw new TypeError("connection refused");
			const body = await request.text();
			const headers = Object.fromEntries(request.headers);
			let message: { type: string; data: MessageData };
			try {
				message = this.#verifier.verify(body, headers) as typeof message;
			} catch (error) {
				this.unverified.push(String(error));
				return new Response("bad signature", { status: 400 });
			}
			if (this.holdMs) {
				// As a real connection would: the sender's abort (its WEBHOOK_TIMEOUT_MS) ends the wait.
				const signal = request.signal;
				const aborted = await new Promise<boolean>((resolve) => {
					const timer = setTimeout(() => resolve(false), this.holdMs);
					signal.addEventListener("abort", () => {
						clearTimeout(timer);
						resolve(true);
					});
				});
				if (aborted) {
					this.tries.push({ ...this.#record(headers, body, message), status: 0 });
					throw signal.reason;
				}
			}
			const status = this.answers.shift() ?? 204;
			this.tries.push({ ...this.#record(headers, body, message), status });
			return new Response(null, { status });
		});
		return this;
	}

	#record(headers: Record<string, string>, body: string, message: { type: string; data: MessageData }) {
		return {
			id: headers["webhook-id"] ?? "",
			timestamp: headers["webhook-timestamp"] ?? "",
			signature: headers["webhook-signature"] ?? "",
			body,
			type: message.type,
			data: message.data,
		};
	}

	/** What was acknowledged (answered 2xx), in order. */
	get acknowledged(): Received[] {
		return this.tries.filter((t) => t.status >= 200 && t.status < 300);
	}

	/** The acknowledged messages of one group, in the order they came. */
	of(groupId: string): Received[] {
		return this.acknowledged.filter((t) => t.data.groupId === groupId);
	}

	reset(): void {
		this.tries.length = 0;
		this.unverified.length = 0;
		this.strangers.length = 0;
		this.answers.length = 0;
		this.down = false;
		this.holdMs = 0;
	}
}

/** A group as a receiver holds it after applying its messages in order: what SYNC_ALL answers. */
export interface Replica {
	version: number;
	part: number;
	parts: number;
	deleted: boolean;
	name: string;
	creator: string;
	members: string[];
	doNotDisturb: Set<string>;
}

/**
 * Applies one group's messages as docs/webhooks.md tells a receiver to: in
 * version and part order, each once; a whole-state message (created,
 * imported) replaces the group with its first part and extends it with the
 * others. Throws on a message out of order.
 */
export function replay(messages: readonly Received[]): Replica {
	const group: Replica = { version: 0, part: 0, parts: 0, deleted: false, name: "", creator: "", members: [], doNotDisturb: new Set() };
	const seen = new Set<string>();
	for (const { id, type, data } of messages) {
		if (seen.has(id)) continue;
		seen.add(id);
		const expected = group.part < group.parts ? [group.version, group.part + 1] : [group.version + 1, 1];
		if (data.version !== expected[0] || data.part !== expected[1]) {
			throw new Error(`message ${data.version}.${data.part} after ${group.version}.${group.part}`);
		}
		group.version = data.version;
		group.part = data.part;
		group.parts = data.parts;
		switch (type) {
			case "group.created":
			case "group.imported":
				if (data.part === 1) {
					group.deleted = false;
					group.name = data.name ?? "";
					group.creator = data.creator ?? "";
					group.members = [];
					group.doNotDisturb = new Set();
				}
				group.members.push(...data.userIds);
				for (const id of data.doNotDisturb ?? []) group.doNotDisturb.add(id);
				break;
			case "group.members_added":
				group.members.push(...data.userIds.filter((id) => !group.members.includes(id)));
				break;
			case "group.members_removed":
				group.members = group.members.filter((id) => !data.userIds.includes(id));
				for (const id of data.userIds) group.doNotDisturb.delete(id);
				break;
			case "group.dnd_on":
				for (const id of data.userIds) group.doNotDisturb.add(id);
				break;
			case "group.dnd_off":
				for (const id of data.userIds) group.doNotDisturb.delete(id);
				break;
			case "group.deleted":
				group.deleted = true;
				group.members = [];
				group.doNotDisturb = new Set();
				break;
			default:
				throw new Error(`unknown message type ${type}`);
		}
	}
	return group;
}

/** The SYNC_ALL answer a replica stands for. */
export function rosterOf(group: Replica): string {
	const groupList = group.members.join(",");
	const ignoreList = group.members.filter((id) => group.doNotDisturb.has(id)).join(",");
	return `{"status":"1","data":{"groupList":"${groupList}"${ignoreList ? `,"ignoreList":"${ignoreList}"` : ""}}}`;
}

/**
 * Delivers a group's outbox, webhook messages included, round after round,
 * until nothing waits: what the group's alarm does on its own, run by hand.
 */
export async function deliverAll(groupId: string): Promise<void> {
	const stub = env.GROUPS.getByName(groupId);
	let left = "";
	for (let round = 0; round < 300; round++) {
		const waiting = await runInDurableObject(stub, async (_, state) => {
			const sql = state.storage.sql;
			if (!sql.exec("SELECT 1 FROM sqlite_master WHERE name = 'events'").toArray().length) return { n: 0, what: "" };
			const mark = sql.exec<{ n: number }>("SELECT coalesce(max(delivered_seq), 0) AS n FROM webhook_delivery").one().n;
			const hooks = sql.exec<{ n: number }>("SELECT count(*) AS n FROM events WHERE seq > ? AND hook = 1", mark).one().n;
			const rows = sql.exec<{ destination: string }>("SELECT destination FROM outbox").toArray();
			const what = JSON.stringify({ mark, hooks, outbox: rows.map((r) => r.destination), alarm: await state.storage.getAlarm() });
			return { n: hooks + rows.length, what };
		});
		if (waiting.n === 0) return;
		left = waiting.what;
		await runDurableObjectAlarm(stub);
		// A delivery under way (the one right after a change) finishes by itself.
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
	throw new Error(`the outbox of group ${groupId} did not drain: ${left}`);
}
