import { type Server, createServer } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { Webhook } from "standardwebhooks";
import { freePort } from "../test/e2e/dev-server.ts";
import { send } from "./load.ts";
import type { Group } from "./workloads.ts";

/** The Standard Webhooks specification's example secret, as the tests use it. */
export const BENCH_WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const DONE = '{"status":"1"}';
const round = (ms: number) => Math.round(ms * 100) / 100;
const quantile = (values: readonly number[], q: number) => {
	const sorted = [...values].sort((a, b) => a - b);
	return round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN);
};

/**
 * A webhook receiver on loopback, in this process: verifies each message with
 * `standardwebhooks`, answers 204 at once, and notes when each added user's
 * message came. Its CPU is this process's, not the target's.
 */
export class BenchReceiver {
	readonly #verifier = new Webhook(BENCH_WEBHOOK_SECRET);
	readonly #server: Server;
	/** userId → when its members_added message arrived (performance.now()). */
	readonly arrived = new Map<string, number>();
	messages = 0;
	unverified = 0;
	url = "";

	constructor() {
		this.#server = createServer(async (request, response) => {
			let body = "";
			for await (const chunk of request) body += chunk;
			const at = performance.now();
			try {
				const { type, data } = this.#verifier.verify(body, request.headers as Record<string, string>) as {
					type: string;
					data: { userIds: string[] };
				};
				this.messages++;
				if (type === "group.members_added") for (const id of data.userIds) this.arrived.set(id, at);
			} catch {
				this.unverified++;
			}
			response.writeHead(204).end();
		});
	}

	async start(): Promise<this> {
		const port = await freePort();
		await new Promise<void>((resolve) => this.#server.listen(port, "127.0.0.1", resolve));
		this.url = `http://127.0.0.1:${port}/hooks`;
		return this;
	}

	stop(): Promise<void> {
		this.#server.closeAllConnections();
		return new Promise((resolve) => this.#server.close(() => resolve()));
	}
}

export interface WebhookProbeResult {
	readonly samples: number;
	/** From the ADD callback's answer to its message at the receiver, ms. */
	readonly p50: number;
	readonly p99: number;
	readonly max: number;
	readonly errors: number;
}

/**
 * While `done` is pending (the mix running at 32 connections), adds a new user to
 * one of `groups` every 20 ms and times from each answer to the receiver having
 * its message; then waits for the stragglers (60 s at most).
 */
export async function webhookProbe(
	url: string,
	guardToken: string | undefined,
	groups: readonly Group[],
	tag: string,
	receiver: BenchReceiver,
	done: Promise<unknown>,
): Promise<WebhookProbeResult> {
	let finished = false;
	const stop = () => {
		finished = true;
	};
	done.then(stop, stop);
	const answered = new Map<string, number>();
	let errors = 0;
	for (let i = 0; !finished; i++) {
		const group = groups[(i * 7) % groups.length] as Group;
		const user = `${tag}h${i}`;
		const added = await send(url, { action: "AEC_GROUP_ADD_USER", userId: group.creator, groupId: group.id, addUsers: user }, guardToken);
		if (added.body === DONE) answered.set(user, performance.now());
		else errors++;
		await sleep(20);
	}
	for (const deadline = performance.now() + 60_000; performance.now() < deadline; await sleep(10)) {
		if ([...answered.keys()].every((user) => receiver.arrived.has(user))) break;
	}
	const times: number[] = [];
	for (const [user, at] of answered) {
		const arrived = receiver.arrived.get(user);
		if (arrived === undefined) errors++;
		else times.push(arrived - at);
	}
	return { samples: times.length, p50: quantile(times, 0.5), p99: quantile(times, 0.99), max: round(Math.max(...times)), errors };
}
