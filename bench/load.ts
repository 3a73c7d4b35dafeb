import { createHmac } from "node:crypto";
import http from "node:http";
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

const agents = new Map<string, http.Agent>();

/**
 * Sends one callback over a keep-alive connection and returns its body and time
 * in ms. Plain node:http, like the sample server's own driver: Node's fetch adds
 * about a millisecond per 400 KB answer, which would blur the size comparison.
 */
export function send(url: string, data: object, token: string | undefined): Promise<{ body: string; ms: number }> {
	const body = formBody(data, token);
	return request(
		"POST",
		url,
		{ "Content-Type": "application/x-www-form-urlencoded", "Content-Length": String(Buffer.byteLength(body)) },
		body,
	);
}

/** GETs a read route over the same keep-alive connections, with `Authorization: Bearer <bearer>`. */
export function get(url: string, bearer: string): Promise<{ status: number; body: string; ms: number }> {
	return request("GET", url, { Authorization: `Bearer ${bearer}` });
}

function request(
	method: string,
	url: string,
	headers: Record<string, string>,
	body?: string,
): Promise<{ status: number; body: string; ms: number }> {
	const target = new URL(url);
	let agent = agents.get(target.host);
	if (!agent) {
		agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
		agents.set(target.host, agent);
	}
	return new Promise((resolve, reject) => {
		const started = performance.now();
		const outgoing = http.request(
			{ host: target.hostname, port: target.port, path: target.pathname + target.search, method, agent, headers },
			(response) => {
				const chunks: Buffer[] = [];
				response.on("data", (chunk: Buffer) => chunks.push(chunk));
				response.on("end", () =>
					resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString(), ms: performance.now() - started }),
				);
			},
		);
		outgoing.on("error", reject);
		outgoing.end(body);
	});
}

/** Closes the keep-alive connections `send` opened. */
export function closeConnections(): void {
	for (const agent of agents.values()) agent.destroy();
	agents.clear();
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
	// Progress: redrawn in place on a terminal, a line every 5 s in a log.
	const tty = process.stderr.isTTY;
	const progress = setInterval(() => process.stderr.write(`  ${label}: ${sent} answers${tty ? "\r" : "\n"}`), tty ? 1000 : 5000);
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
