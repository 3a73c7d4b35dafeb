/**
 * Where callbacks are taken. Without AEC_PATH_SECRET: the sample server's path,
 * with and without `.php`, and the root. With it, only paths that hold the secret:
 * `/<secret>`, `/<secret>/`, `/<secret>/eventCenter`, `/<secret>/eventCenter.php`
 * and `/eventCenter/<secret>`; every other path is NOT_FOUND.
 */
import { sameSecret } from "../shared/digest";

export const AEC_PATHS = ["/", "/eventCenter", "/eventCenter.php"];
const AFTER_SECRET = ["", "eventCenter", "eventCenter.php"];

/** The path segment that must equal the secret; undefined when the path has none of the secret forms. */
function secretSegment(pathname: string): string | undefined {
	const [first, second, ...more] = pathname.split("/").slice(1) as [string, ...string[]];
	if (more.length > 0) return undefined;
	if (second === undefined) return first;
	if (first === "eventCenter") return second;
	return AFTER_SECRET.includes(second) ? first : undefined;
}

export async function isCallbackPath(pathname: string, secret: string | undefined): Promise<boolean> {
	if (secret === undefined) return AEC_PATHS.includes(pathname);
	const segment = secretSegment(pathname);
	// The forms are public; only the segment is secret, compared in constant time.
	if (segment === undefined) return false;
	return sameSecret(segment, secret);
}

/**
 * A refused path as the log may show it. With a secret set, only the public words
 * of the forms are shown and every other segment is `*`: a near miss (the secret
 * with one character wrong or missing) would otherwise log most of the secret.
 */
export function loggablePath(pathname: string, secret: string | undefined): string {
	if (secret === undefined) return pathname;
	return pathname
		.split("/")
		.map((segment) => (AFTER_SECRET.includes(segment) ? segment : "*"))
		.join("/");
}
