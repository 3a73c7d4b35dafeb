import { ErrorCode, fail, type Outcome } from "../protocol/errors";

/**
 * Calls a Durable Object method that returns an Outcome. Every such call here is
 * safe to repeat (creates carry their key; changes are idempotent; reads are
 * reads), so an error the runtime marks retryable is retried with a fresh stub;
 * an overloaded object is not retried, as the platform advises.
 */
export async function callObject<T>(attempt: () => Promise<Outcome<T>>): Promise<Outcome<T>> {
	for (let tries = 1; ; tries++) {
		try {
			return await attempt();
		} catch (error) {
			const flags = (error as { retryable?: boolean; overloaded?: boolean }) ?? {};
			if (tries < 3 && flags.retryable && !flags.overloaded) continue;
			return fail(ErrorCode.InternalError, `durable object call failed: ${String(error)}`);
		}
	}
}
