import { Webhook } from "standardwebhooks";

/** The Standard Webhooks headers of one try: `webhook-timestamp` is the try's own, the id the message's. */
export interface SignedHeaders {
	readonly "webhook-id": string;
	readonly "webhook-timestamp": string;
	readonly "webhook-signature": string;
}

// The secret's key is decoded once per isolate, not per message.
const signers = new Map<string, Webhook>();

/**
 * Signs one try of a message as Standard Webhooks does (the `standardwebhooks`
 * package, its reference implementation): `v1,` and the base64 HMAC-SHA256,
 * keyed by the secret's bytes after `whsec_`, of `<id>.<timestamp>.<body>`.
 */
export function sign(secret: string, id: string, at: Date, body: string): SignedHeaders {
	let signer = signers.get(secret);
	if (!signer) {
		signer = new Webhook(secret);
		signers.set(secret, signer);
	}
	return {
		"webhook-id": id,
		"webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
		"webhook-signature": signer.sign(id, at, body),
	};
}
