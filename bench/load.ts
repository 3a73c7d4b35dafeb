import { createHmac } from "node:crypto";
import autocannon from "autocannon";

/** One callback to send, and how to tell a right answer from a wrong one. */
export interface Job {
	readonly kind: string;
	readonly data: object;
	/** `connection` is the same object for every answer on one connection. */
	readonly check: (body: string, connection: object) => boolean;
}

export interface LoadResult {
	readonly connections: number;
	readonly seconds: number;
	readonly requests: number;
	readonly rps: number;
	readonly p50: number;
	readonly p90: number;
	readonly p99: number;
	/** Answers that were not exactly right, transport errors and timeouts. */
	readonly errors: number;
	readonly sampleError?: string;
}

/** Form-encodes a callback as StarRTC's servers send it, signed when there is a token. */
export function formBody(data: object, token: string | undefined): string {
	const text = JSON.stringify(data);
	const sign = token ? `&sign=${encodeURIComponent(createHmac("sha1", token).update(text).digest("base64"))}` : "";
	return `data=${encodeURIComponent(text)}${sign}`;
}

/** Sends one callback (keep-alive fetch) and returns its body and time in ms. */
export async function send(url: string, data: object, token: string | undefined): Promise<{ body: string; ms: number }> {
	const started = performance.now();
	const response = await fetch(url, {
		method: "POST",
		headers: { "Content-Type": "application/x-www-form-urlencoded" },
		body: formBody(data, token),
	});
	const body = await response.text();
	return { body, ms: performance.now() - started };
}

/**
 * Runs `next()`'s callbacks over exactly `connections` keep-alive connections for
 * `seconds`, with autocannon, checking every answer: a fast wrong answer counts as an error.
 */
export async function load(
	label: string,
	url: string,
	options: { connections: number; seconds: number; token?: string; next: () => Job; maxRequests?: number },
): Promise<LoadResult> {
	let wrong = 0;
	let sampleError: string | undefined;
	const instance = autocannon({
		url,
		connections: options.connections,
		duration: options.seconds,
		amount: options.maxRequests,
		timeout: 20,
		method: "POST",
		headers: { "content-type": "application/x-www-form-urlencoded" },
		requests: [
			{
				setupRequest: (request, context: { job?: Job }) => {
					const job = options.next();
					context.job = job;
					return { ...request, body: formBody(job.data, options.token) };
				},
				onResponse: (_status, body, context: { job?: Job }) => {
					if (!context.job?.check(body, context)) {
						wrong++;
						sampleError ??= `${context.job?.kind}: ${body.slice(0, 200)}`;
					}
				},
			},
		],
	});
	let sent = 0;
	(instance as unknown as NodeJS.EventEmitter).on("response", () => sent++);
	const progress = setInterval(() => process.stderr.write(`  ${label}: ${sent} answers\r`), 1000);
	const result = await instance;
	clearInterval(progress);
	process.stderr.write(`  ${label}: ${result.requests.total} answers, ${result.requests.average} req/s\n`);
	return {
		connections: options.connections,
		seconds: result.duration,
		requests: result.requests.total,
		rps: Math.round(result.requests.total / result.duration),
		p50: result.latency.p50,
		p90: result.latency.p90,
		p99: result.latency.p99,
		errors: wrong + result.errors + result.timeouts,
		sampleError,
	};
}
