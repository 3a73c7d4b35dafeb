/**
 * StarRTC signs each callback: sign = base64(HMAC-SHA1(key = guardToken, message = data)),
 * data being the exact text after one form decoding.
 */
const utf8 = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(token: string): Promise<CryptoKey> {
	let key = keys.get(token);
	if (!key) {
		key = crypto.subtle.importKey("raw", utf8.encode(token), { name: "HMAC", hash: "SHA-1" }, false, ["sign", "verify"]);
		keys.set(token, key);
	}
	return key;
}

// Base64 of a 20-byte MAC, exactly as StarRTC writes it: 27 characters, the last carrying no
// stray bits, and one `=`. atob alone would also take a missing `=`, whitespace and stray bits.
const SIGN_FORMAT = /^[A-Za-z0-9+/]{26}[AEIMQUYcgkosw048]=$/;

/** Checks `sign` in constant time (WebCrypto's verify). */
export async function verifySign(token: string, data: string, sign: string): Promise<boolean> {
	// A sender that does not percent-encode turns `+` into a space on the way.
	const text = sign.replaceAll(" ", "+");
	if (!SIGN_FORMAT.test(text)) return false;
	const mac = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
	return crypto.subtle.verify("HMAC", await hmacKey(token), mac, utf8.encode(data));
}

/** The sign StarRTC would send; for tests and tools. */
export async function computeSign(token: string, data: string): Promise<string> {
	const mac = await crypto.subtle.sign("HMAC", await hmacKey(token), utf8.encode(data));
	return btoa(String.fromCharCode(...new Uint8Array(mac)));
}
