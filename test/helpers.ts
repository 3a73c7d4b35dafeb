import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import type { SettingsSource } from "../src/config";
import worker from "../src/index";
import { computeSign } from "../src/edge/sign";
import { shardOf } from "../src/user-index/membership";
import { TEST_GUARD_TOKEN } from "./guard-token";
import { type NonCallbackStatus, assertNonCallbackAnswer, assertStarRtcAnswer } from "./starrtc-answer";
import { afterEach, expect, vi } from "vitest";

export { TEST_GUARD_TOKEN };

export interface Sent {
	readonly status: number;
	readonly body: string;
	readonly error: string | null;
}

/**
 * docs/operations.md: each callback logs one line whose `reason` says why when it failed. Every
 * test that uses these helpers also checks that no refusal was logged without a reason.
 */
/** Refusals logged without a reason; one watcher per isolate, however many files import this. */
function watchRefusals(): string[] {
	const lines: string[] = [];
	const print = console.log.bind(console);
	console.log = (...args: unknown[]) => {
		const line = args[0];
		if (typeof line === "string" && line.startsWith('{"') && line.includes('"outcome":')) {
			const { outcome, reason } = JSON.parse(line) as { outcome?: string; reason?: string };
			if (outcome !== "OK" && !reason) lines.push(line);
		}
		print(...args);
	};
	return lines;
}
const shared = globalThis as { unexplainedRefusals?: string[] };
shared.unexplainedRefusals ??= watchRefusals();
const unexplained = shared.unexplainedRefusals;
afterEach(() => {
	expect(unexplained.splice(0), "refusals logged without a reason").toEqual([]);
});

/** Every callback answer a test reads must be one StarRTC's servers take: HTTP 200, a byte-exact body. */
async function read(response: Response, nonCallbackStatus?: NonCallbackStatus): Promise<Sent> {
	const sent = { status: response.status, body: await response.text(), error: response.headers.get("X-AEC-Error") };
	if (nonCallbackStatus) assertNonCallbackAnswer(sent, nonCallbackStatus);
	else assertStarRtcAnswer(sent);
	return sent;
}

/** A form body exactly as StarRTC's servers post it. */
export function form(params: Record<string, string>): string {
	return new URLSearchParams(params).toString();
}

/** Unix seconds as StarRTC's servers put them first in every callback's data. */
export const unixNow = () => String(Math.floor(Date.now() / 1000));

/**
 * Posts a signed callback through the Worker's fetch handler, as StarRTC does:
 * fields get a fresh `ts` first unless they carry one; a text is sent as it is.
 */
export async function post(data: unknown, init: { token?: string; path?: string; environment?: SettingsSource } = {}): Promise<Sent> {
	const text = typeof data === "string" ? data : JSON.stringify({ ts: unixNow(), ...(data as object) });
	const sign = await computeSign(init.token ?? TEST_GUARD_TOKEN, text);
	const body = form({ data: text, sign });
	const path = init.path ?? "/eventCenter";
	if (!init.environment) return send(path, { method: "POST", body });
	const headers = { "Content-Type": "application/x-www-form-urlencoded" };
	return sendWith(new Request(`http://aec.test${path}`, { method: "POST", headers, body }), init.environment);
}

export async function send(path: string, init: RequestInit & { body?: string | FormData } = {}): Promise<Sent> {
	const headers = new Headers(init.headers);
	if (typeof init.body === "string" && !headers.has("Content-Type")) {
		headers.set("Content-Type", "application/x-www-form-urlencoded");
	}
	return read(await exports.default.fetch(new Request(`http://aec.test${path}`, { ...init, headers })));
}

/** A request StarRTC never sends (another path or method, /healthz), expected to answer `status`. */
export async function sendNonCallback(path: string, init: RequestInit, status: NonCallbackStatus): Promise<Sent> {
	return read(await exports.default.fetch(new Request(`http://aec.test${path}`, init)), status);
}

/** Calls the Worker's fetch handler with other settings (env overrides), reading the answer the same way. */
export async function sendWith(request: Request, environment: SettingsSource): Promise<Sent> {
	return read(await worker.fetch(request, environment));
}

/** Creates a group and returns its id. */
export async function createGroup(creator: string, members: string[], userDefineData = "g"): Promise<string> {
	// The nonce goes before the name: a create in StarRTC's layout has its name last, read raw.
	const sent = await post({
		nonce: crypto.randomUUID(),
		action: "AEC_GROUP_CREATE",
		userId: creator,
		addUsers: members.join(","),
		userDefineData,
	});
	const match = /^\{"status":"1","data":"(\d+)"\}$/.exec(sent.body);
	if (!match?.[1]) throw new Error(`create failed: ${sent.body}`);
	return match[1];
}

/** The group's SYNC_ALL answer body. */
export async function syncAll(groupId: string): Promise<string> {
	return (await post({ action: "AEC_GROUP_SYNC_ALL", groupId })).body;
}

export const roster = (groupList: string, ignoreList = "") =>
	`{"status":"1","data":{"groupList":"${groupList}"${ignoreList ? `,"ignoreList":"${ignoreList}"` : ""}}}`;
export const DONE = '{"status":"1"}';
export const failure = (n: number) => `{"status":"0","data":"${n}"}`;

/**
 * Delivers a group's outbox (the group registry's summary too) now, round after round, until it is empty: what the
 * group's alarm does on its own, run explicitly so tests need not sleep.
 */
export async function drainOutbox(groupId: string): Promise<void> {
	const stub = env.GROUPS.getByName(groupId);
	for (let round = 0; round < 50; round++) {
		const waiting = await runInDurableObject(stub, (_, state) => {
			const sql = state.storage.sql;
			// A deleted group erases its storage, outbox included, once delivered.
			if (!sql.exec("SELECT 1 FROM sqlite_master WHERE name = 'outbox'").toArray().length) return 0;
			// The group registry (src/registry/delivery.ts) waits while the group's version is above the one it acknowledged.
			const registry = sql.exec("SELECT 1 FROM sqlite_master WHERE name = 'registry_acked'").toArray().length
				? Number(
						sql.exec("SELECT count(*) AS n FROM group_version WHERE version > coalesce((SELECT version FROM registry_acked), -1)").one().n,
					)
				: 0;
			return Number(sql.exec("SELECT count(*) AS n FROM outbox").one().n) + registry;
		});
		if (waiting === 0) return;
		await runDurableObjectAlarm(stub);
	}
	throw new Error(`the outbox of group ${groupId} did not drain`);
}

/**
 * Fault injection: until the object is evicted (its storage stays intact), the `nth` statement
 * matching `pattern` (every one, without `nth`) throws `message`.
 */
export async function failStatements<O extends Rpc.DurableObjectBranded>(
	stub: DurableObjectStub<O>,
	pattern: RegExp,
	{ nth, message = "injected failure" }: { nth?: number; message?: string } = {},
): Promise<void> {
	await runInDurableObject(stub, (_, state) => {
		const sql = state.storage.sql;
		const exec = sql.exec.bind(sql);
		let seen = 0;
		Object.defineProperty(sql, "exec", {
			configurable: true,
			value: (query: string, ...bindings: unknown[]) => {
				if (pattern.test(query) && (nth === undefined || ++seen === nth)) throw new Error(message);
				return exec(query, ...bindings);
			},
		});
	});
}

/** The groups the user index lists for `user` (the first page of ten), as the reads see them. */
export async function indexedGroups(user: string) {
	const page = await env.USER_INDEX.getByName(shardOf(user, Number(env.INDEX_SHARDS))).groupsOf(user, 10);
	if (!page.ok) throw new Error(`the user index refused: ${page.reason}`);
	return page.value.items;
}

/** Each JSON log line written while `run` runs. */
export async function loggedLines(run: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
	const lines: string[] = [];
	const spy = vi.spyOn(console, "log").mockImplementation((line: string) => void lines.push(line));
	try {
		await run();
	} finally {
		spy.mockRestore();
	}
	return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The `reason` of each JSON log line written while `run` runs. */
export async function loggedReasons(run: () => Promise<unknown>): Promise<unknown[]> {
	return (await loggedLines(run)).map((line) => line.reason);
}

/**
 * Waits until `condition` holds, at most about `ms` (counted in pauses, not read from a clock a test
 * may have frozen). Pauses between looks: a tight loop starves the objects' timers.
 */
export async function until(condition: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> {
	for (let waited = 0; !(await condition()); waited += 10) {
		if (waited > ms) throw new Error(`timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}
