import { Hono } from "hono";
import { readSettings, type SettingsSource } from "../config";

/**
 * The console's pages may run only their own script and style, call only this
 * origin (the /v1 API), submit no form natively, and be framed by nobody.
 */
export const CONSOLE_CSP = [
	"default-src 'none'",
	"script-src 'self'",
	"style-src 'self'",
	"img-src 'self'",
	"connect-src 'self'",
	"base-uri 'none'",
	"form-action 'none'",
	"frame-ancestors 'none'",
].join("; ");

const CONSOLE_HEADERS: Record<string, string> = {
	"Content-Security-Policy": CONSOLE_CSP,
	"X-Content-Type-Options": "nosniff",
	"X-Frame-Options": "DENY",
	"Referrer-Policy": "no-referrer",
	"Cross-Origin-Opener-Policy": "same-origin",
	"Cross-Origin-Resource-Policy": "same-origin",
	// Revalidated each time (the ETag makes that a 304): a page and its script never come from two versions.
	"Cache-Control": "no-cache",
};

/**
 * The operators' console (docs/console.md): the static files of `console/`
 * (Workers Static Assets, `[assets]` in wrangler.toml) at `/console/`. The
 * assets run behind the Worker (`run_worker_first`), so this route alone decides
 * what is served: with CONSOLE="off", a bad setting or no ASSETS binding the
 * path goes on to the callbacks' router and answers 404 like any other path.
 * The pages hold no secret; every datum comes from /v1 with the API token,
 * which the page keeps in the tab's sessionStorage.
 */
export const consolePages = new Hono<{ Bindings: SettingsSource }>();

consolePages.on(["GET", "HEAD"], ["/console", "/console/*"], async (c, next) => {
	let on: boolean;
	try {
		on = readSettings(c.env).console;
	} catch {
		return next();
	}
	const assets: Fetcher | undefined = c.env.ASSETS;
	if (!on || assets === undefined) return next();
	const { pathname } = new URL(c.req.url);
	// One address for the page, so its relative hash links and the history stay the same.
	if (pathname === "/console") return c.redirect("/console/", 308);
	const file = pathname === "/console/" ? "/index.html" : pathname.slice("/console".length);
	const asset = await assets.fetch(new Request(new URL(file, c.req.url), { method: c.req.method, headers: c.req.raw.headers }));
	const response = new Response(asset.body, asset);
	for (const [name, value] of Object.entries(CONSOLE_HEADERS)) response.headers.set(name, value);
	return response;
});
