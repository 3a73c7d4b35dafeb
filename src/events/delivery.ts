import { readSettings } from "../config";
import type { Destination } from "../group/outbox";
import type { EventLog, Waiting } from "./history";
import { sign } from "./signing";

/**
 * A message not acknowledged this long after its change is given up: marked
 * so in the history, counted in the delivery state, logged, and the next one
 * is sent. Three days, as Stripe retries: a receiver down for a day or two
 * still gets everything, in order; one down longer catches up from the history.
 */
export const GIVE_UP_MS = 3 * 24 * 60 * 60 * 1000;

/**
 * The app's webhook receiver (WEBHOOK_URL) as a destination of a group's
 * outbox: the group's messages, one at a time, in version order (and part
 * order), each sent only once the one before was acknowledged (any 2xx). Each
 * try is signed afresh (its `webhook-timestamp` is now), with the message's
 * own `webhook-id`, the same on every try.
 */
export class WebhookDelivery implements Destination {
	readonly #log: EventLog;
	readonly #env: Env;
	readonly #groupId: () => string;
	/** Whether the group is deleted: its messages then go as soon as none waits. */
	readonly #deleted: () => boolean;

	constructor(log: EventLog, env: Env, groupId: () => string, deleted: () => boolean) {
		this.#log = log;
		this.#env = env;
		this.#groupId = groupId;
		this.#deleted = deleted;
	}

	makeSchema(): void {
		this.#log.makeSchema();
	}

	/** With WEBHOOK_URL unset nothing is sent: messages written before wait until it is set again. */
	waiting(): boolean {
		return readSettings(this.#env).webhookUrl !== undefined && this.#log.head() !== undefined;
	}

	async deliver(): Promise<boolean> {
		const { webhookUrl: url, webhookSecret: secret = "", webhookTimeoutMs: timeoutMs, eventHistoryDays } = readSettings(this.#env);
		if (url === undefined) return true;
		try {
			for (let message = this.#log.head(); message; message = this.#log.head()) {
				if (Date.now() - message.at > GIVE_UP_MS) {
					this.#giveUp(message);
					continue;
				}
				let error: string | undefined;
				try {
					error = await post(url, secret, message, timeoutMs);
				} catch (thrown) {
					error = String(thrown);
				}
				if (error !== undefined) {
					this.#log.failed(error, Date.now());
					console.log(JSON.stringify({ outbox: "webhook", outcome: "RETRY", reason: error.slice(0, 200) }));
					return false;
				}
				this.#log.acknowledge(message);
			}
			return true;
		} finally {
			// What was delivered may now be past keeping (all of it, for a deleted group).
			this.#log.prune(Date.now(), eventHistoryDays, this.#deleted());
		}
	}

	#giveUp(message: Waiting): void {
		const status = this.#log.status();
		const reason = `not acknowledged within 3 days${status.lastError ? `; last error: ${status.lastError}` : ""}`.slice(0, 200);
		this.#log.giveUp(message);
		const { version, part, id } = message;
		console.log(JSON.stringify({ outbox: "webhook", outcome: "GIVEN_UP", reason, groupId: this.#groupId(), version, part, webhookId: id }));
	}
}

/** One try; undefined when the receiver answered 2xx, else why not. Never follows a redirect. */
async function post(url: string, secret: string, message: Waiting, timeoutMs: number): Promise<string | undefined> {
	// Not AbortSignal.timeout: its timer outlives the call and keeps the group object busy (see starrtc/proxy.ts).
	const abort = new AbortController();
	const timer = setTimeout(() => abort.abort(new DOMException("the receiver did not answer in time", "TimeoutError")), timeoutMs);
	try {
		const response = await fetch(url, {
			method: "POST",
			headers: { "Content-Type": "application/json", ...sign(secret, message.id, new Date(), message.body) },
			body: message.body,
			redirect: "manual",
			signal: abort.signal,
		});
		await response.body?.cancel();
		return response.status >= 200 && response.status < 300 ? undefined : `receiver answered HTTP ${response.status}`;
	} catch (error) {
		return `receiver unreachable: ${String(error).slice(0, 160)}`;
	} finally {
		clearTimeout(timer);
	}
}
