/** SHA-256 of text, for keys, fingerprints and constant-time comparison of secrets. */

const utf8 = new TextEncoder();

export const sha256 = (text: string): Promise<ArrayBuffer> => crypto.subtle.digest("SHA-256", utf8.encode(text));

export async function sha256Hex(text: string): Promise<string> {
	return Array.from(new Uint8Array(await sha256(text)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Constant-time: compares digests of equal length, so timing tells neither the secret nor its length. */
export async function sameSecret(given: string, secret: string): Promise<boolean> {
	return crypto.subtle.timingSafeEqual(await sha256(given), await sha256(secret));
}
