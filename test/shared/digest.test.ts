import { describe, it } from "vitest";
import { rateLimitKey } from "../../src/shared/addresses";
import { sameSecret, sha256Hex } from "../../src/shared/digest";

// The helpers both doors use. Keys and fingerprints are stored, so their text must never change.
describe("shared helpers", () => {
	it("sha256Hex is the lowercase hex of SHA-256, two digits a byte (FIPS 180-2 test vectors)", async ({ expect }) => {
		expect(await sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
		// A digest with bytes below 0x10, where a dropped zero would shorten the text.
		expect(await sha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	});

	it("sameSecret tells equal secrets from others, a prefix included", async ({ expect }) => {
		expect(await sameSecret("s3cret-token", "s3cret-token")).toBe(true);
		expect(await sameSecret("s3cret", "s3cret-token")).toBe(false);
	});

	it("a rate-limit key of text that is no address is that text, cut to 128 characters", ({ expect }) => {
		expect(rateLimitKey("x".repeat(300))).toBe("x".repeat(128));
		expect(rateLimitKey(null)).toBe("");
	});
});
