/** A GET that survives a busy or restarting server: 5xx, 429 and network errors are retried with backoff. */

export interface RetryOptions {
	readonly attempts?: number;
	/** The first retry's wait; it doubles up to 30 s, with jitter. A Retry-After answer is waited instead (up to 5 minutes). */
	readonly backoffMs?: number;
	readonly timeoutMs?: number;
	/** For tests. */
	readonly sleep?: (ms: number) => Promise<void>;
}

/** A final answer: a 2xx or a 4xx other than 429, with its body. */
export interface Answer {
	readonly status: number;
	readonly body: string;
	readonly attempts: number;
}

export class GaveUp extends Error {
	override name = "GaveUp";
}

const MAX_RETRY_AFTER_MS = 300_000;

/** Retry-After as seconds or an HTTP date, in ms from `now`; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
	if (header === null || header.trim() === "") return undefined;
	const text = header.trim();
	const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text) - now;
	return Number.isNaN(ms) ? undefined : Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}

/** The wait before attempt `attempt` (2, 3, …): exponential, capped at 30 s, half of it random. */
export function backoff(attempt: number, firstMs: number): number {
	const wait = Math.min(30_000, firstMs * 2 ** (attempt - 2));
	return wait / 2 + Math.random() * (wait / 2);
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function getRetrying(url: string, apiToken: string, options: RetryOptions = {}): Promise<Answer> {
	const attempts = options.attempts ?? 8;
	const sleep = options.sleep ?? realSleep;
	let wait = 0;
	let last = "";
	for (let attempt = 1; attempt <= attempts; attempt++) {
		if (attempt > 1) await sleep(wait);
		wait = backoff(attempt + 1, options.backoffMs ?? 500);
		try {
			const response = await fetch(url, {
				headers: { Authorization: `Bearer ${apiToken}` },
				signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
			});
			const body = await response.text();
			if (response.status < 500 && response.status !== 429) return { status: response.status, body, attempts: attempt };
			last = `HTTP ${response.status}${body ? `: ${body.slice(0, 200)}` : ""}`;
			wait = retryAfterMs(response.headers.get("Retry-After")) ?? wait;
		} catch (e) {
			last = e instanceof Error ? `${e.name}: ${e.message}${e.cause instanceof Error ? ` (${e.cause.message})` : ""}` : String(e);
		}
	}
	throw new GaveUp(`${url}: after ${attempts} attempts: ${last}`);
}
