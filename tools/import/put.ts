/** Writes groups through `PUT /v1/groups/{id}`, bounded and retried. */
import { backoff, retryAfterMs } from "../export/retry.ts";
import type { GroupToWrite } from "./clean.ts";

export type Result = "created" | "unchanged" | "replaced" | "revived" | "conflict" | "deleted-here" | "refused" | "group-full" | "failed";

export interface Written {
	readonly groupId: string;
	readonly result: Result;
	readonly status?: number;
	readonly error?: string;
	readonly attempts: number;
}

export interface WriteOptions {
	readonly url: string;
	readonly apiToken: string;
	readonly overwrite: boolean;
	/** Bring back a group deleted here (`?revive=true`). */
	readonly revive?: boolean;
	readonly attempts?: number;
	/** The first retry's wait; it doubles up to 30 s, with jitter. A Retry-After answer is waited instead (up to 5 minutes). */
	readonly backoffMs?: number;
	readonly timeoutMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One group: 5xx, 429 and network errors are retried with backoff (as `npm run export` does); any other answer is final. */
export async function putGroup(group: GroupToWrite, options: WriteOptions): Promise<Written> {
	const query = [options.overwrite ? "overwrite=true" : "", options.revive ? "revive=true" : ""].filter(Boolean).join("&");
	const target = `${options.url.replace(/\/+$/, "")}/v1/groups/${group.groupId}${query ? `?${query}` : ""}`;
	const attempts = options.attempts ?? 8;
	let last = "";
	let status: number | undefined;
	let wait = 0;
	for (let attempt = 1; attempt <= attempts; attempt++) {
		if (attempt > 1) await sleep(wait);
		wait = backoff(attempt + 1, options.backoffMs ?? 500);
		try {
			const response = await fetch(target, {
				method: "PUT",
				headers: { Authorization: `Bearer ${options.apiToken}`, "Content-Type": "application/json" },
				body: JSON.stringify(group.body),
				signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
			});
			status = response.status;
			const answer = (await response.json().catch(() => ({}))) as { result?: string; error?: { code?: string; message?: string } };
			const error = answer.error ? `${answer.error.code}: ${answer.error.message}` : undefined;
			if (status === 201 || status === 200) {
				const result =
					answer.result === "created" || answer.result === "unchanged" || answer.result === "replaced" || answer.result === "revived"
						? answer.result
						: undefined;
				if (result) return { groupId: group.groupId, result, status, attempts: attempt };
				return {
					groupId: group.groupId,
					result: "failed",
					status,
					error: `unexpected answer ${JSON.stringify(answer)}`,
					attempts: attempt,
				};
			}
			if (status >= 500 || status === 429) {
				last = error ?? `HTTP ${status}`;
				wait = retryAfterMs(response.headers.get("Retry-After")) ?? wait;
				continue;
			}
			const code = answer.error?.code;
			const result: Result =
				code === "GROUP_EXISTS"
					? "conflict"
					: code === "GROUP_DELETED"
						? "deleted-here"
						: code === "GROUP_FULL"
							? "group-full"
							: code === "BAD_REQUEST"
								? "refused"
								: "failed";
			return { groupId: group.groupId, result, status, error: error ?? `HTTP ${status}`, attempts: attempt };
		} catch (e) {
			status = undefined;
			last = e instanceof Error ? `${e.name}: ${e.message}${e.cause instanceof Error ? ` (${e.cause.message})` : ""}` : String(e);
		}
	}
	return { groupId: group.groupId, result: "failed", status, error: `after ${attempts} attempts: ${last}`, attempts };
}

/** Runs `work` over `items` with at most `concurrency` at once, in order of start. */
export async function pool<T, R>(
	items: readonly T[],
	concurrency: number,
	work: (item: T) => Promise<R>,
	done: (result: R) => void,
): Promise<void> {
	let next = 0;
	const worker = async () => {
		while (next < items.length) {
			const item = items[next++] as T;
			done(await work(item));
		}
	};
	await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
}
