/**
 * Where callbacks are taken. Without AEC_PATH_SECRET: the sample server's path,
 * with and without `.php`, and the root. With it, only paths that hold the secret:
 * `/<secret>`, `/<secret>/`, `/<secret>/eventCenter`, `/<secret>/eventCenter.php`
 * and `/eventCenter/<secret>`; every other path is NOT_FOUND.
 */
export const AEC_PATHS = ["/", "/eventCenter", "/eventCenter.php"];
const AFTER_SECRET = ["", "eventCenter", "eventCenter.php"];

const utf8 = new TextEncoder();
const sha256 = (text: string) => crypto.subtle.digest("SHA-256", utf8.encode(text));

/** The path segment that must equal the secret, if the path has one of the secret forms. */
function secretSegment(pathname: string): string | undefined {
	const parts = pathname.split("/").slice(1);
	if (parts.length === 2 && parts[0] === "eventCenter") return parts[1];
	if (parts.length === 1 || (parts.length === 2 && AFTER_SECRET.includes(parts[1] ?? "-"))) return parts[0];
	return undefined;
}

export async function isCallbackPath(pathname: string, secret: string | undefined): Promise<boolean> {
	if (secret === undefined) return AEC_PATHS.includes(pathname);
	const segment = secretSegment(pathname);
	if (segment === undefined) return false;
	// Compared as digests of equal length in constant time, so timing tells neither the secret nor its length.
	return crypto.subtle.timingSafeEqual(await sha256(segment), await sha256(secret));
}
