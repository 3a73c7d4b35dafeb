import { Webhook } from "standardwebhooks";
import { describe, it } from "vitest";
import { sign } from "../../src/events/signing";
import { TEST_WEBHOOK_SECRET } from "../guard-token";

describe("signing", () => {
	it("is Standard Webhooks' v1: the specification's own example signs to its published signature", ({ expect }) => {
		const headers = sign(TEST_WEBHOOK_SECRET, "msg_p5jXN8AQM9LWM0D4loKWxJek", new Date(1614265330_000), '{"test": 2432232314}');
		expect(headers).toEqual({
			"webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
			"webhook-timestamp": "1614265330",
			"webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
		});
	});
});

describe("a signature", () => {
	it("verifies with the secret's key only, for this id, timestamp and body", ({ expect }) => {
		const at = new Date();
		const body = '{"type":"group.deleted"}';
		const headers = sign(TEST_WEBHOOK_SECRET, "msg_1", at, body);
		expect(new Webhook(TEST_WEBHOOK_SECRET).verify(body, { ...headers })).toEqual({ type: "group.deleted" });
		const other = sign(`whsec_${btoa("another key of 24 bytes!")}`, "msg_1", at, body);
		expect(other["webhook-signature"]).not.toBe(headers["webhook-signature"]);
		expect(() => new Webhook(TEST_WEBHOOK_SECRET).verify(body, { ...other })).toThrow(/No matching signature/);
	});
});
