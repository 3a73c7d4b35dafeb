import { env, exports } from "cloudflare:workers";
import { describe, it } from "vitest";
import { CONSOLE_CSP } from "../../src/api/console";
import type { SettingsSource } from "../../src/config";
import worker from "../../src/index";
import { sendNonCallback } from "../helpers";
import { assertNonCallbackAnswer } from "../starrtc-answer";

// docs/console.md: the console's static files at /console/, behind the Worker (run_worker_first).
const get = (path: string, init: RequestInit = {}) => exports.default.fetch(new Request(`http://aec.test${path}`, init));

describe("the console's pages", () => {
	it("/console goes to /console/, which is the page, with the CSP and no inline script", async ({ expect }) => {
		const bare = await get("/console", { redirect: "manual" });
		expect([bare.status, bare.headers.get("Location")]).toEqual([308, "/console/"]);
		const page = await get("/console/");
		const html = await page.text();
		expect(page.status).toBe(200);
		expect(page.headers.get("Content-Type")).toMatch(/^text\/html/);
		expect(page.headers.get("Content-Security-Policy")).toBe(CONSOLE_CSP);
		expect(CONSOLE_CSP).toContain("frame-ancestors 'none'");
		expect(CONSOLE_CSP).not.toMatch(/unsafe|https?:|\*/);
		expect(page.headers.get("X-Content-Type-Options")).toBe("nosniff");
		expect(html).toContain('<script type="module" src="/console/console.js"></script>');
		// Every script has a src: nothing inline (the CSP would refuse it anyway), and no inline handlers or styles.
		expect([...html.matchAll(/<script(?![^>]*\ssrc=)[^>]*>/g)]).toEqual([]);
		expect(html).not.toMatch(/\son[a-z]+=|<style|\sstyle=/i);
	});

	it("serves its script and style with their types and the same headers; anything else there is 404", async ({ expect }) => {
		const script = await get("/console/console.js");
		expect([script.status, script.headers.get("Content-Type")?.split(";")[0]]).toEqual([200, "text/javascript"]);
		expect(script.headers.get("Content-Security-Policy")).toBe(CONSOLE_CSP);
		expect(await script.text()).toContain("sessionStorage");
		const style = await get("/console/console.css");
		expect([style.status, style.headers.get("Content-Type")?.split(";")[0]]).toEqual([200, "text/css"]);
		await style.arrayBuffer();
		const missing = await get("/console/nothing-here.js");
		expect(missing.status).toBe(404);
		await missing.arrayBuffer();
		const head = await get("/console/", { method: "HEAD" });
		expect([head.status, head.headers.get("Content-Security-Policy")]).toEqual([200, CONSOLE_CSP]);
	});

	it("answers GET and HEAD only: a POST there is no callback path (404 in the callbacks' envelope)", async ({ expect }) => {
		expect((await sendNonCallback("/console/", { method: "POST", body: "data=x" }, 404)).error).toBe("NOT_FOUND");
	});

	it('is off with CONSOLE="off", and without the ASSETS binding: its paths are unknown ones', async ({ expect }) => {
		const answer = async (path: string, environment: SettingsSource) => {
			const response = await worker.fetch(new Request(`http://aec.test${path}`), environment);
			const body = await response.text();
			assertNonCallbackAnswer({ status: response.status, body }, 404);
			return [path, response.status, response.headers.get("X-AEC-Error"), response.headers.get("Content-Security-Policy")];
		};
		const off = { ...env, CONSOLE: "off" } as SettingsSource;
		for (const path of ["/console", "/console/", "/console/console.js"]) {
			expect(await answer(path, off)).toEqual([path, 404, "NOT_FOUND", null]);
		}
		const noAssets = { ...env, ASSETS: undefined } as unknown as SettingsSource;
		expect(await answer("/console/", noAssets)).toEqual(["/console/", 404, "NOT_FOUND", null]);
		// CONSOLE="on" (the default) serves it through the same handler.
		const on = await worker.fetch(new Request("http://aec.test/console/"), { ...env, CONSOLE: "on" } as SettingsSource);
		expect(on.status).toBe(200);
		await on.arrayBuffer();
	});

	it("leaves the API and the callback paths as they were", async ({ expect }) => {
		const root = await get("/", { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "data=%7B%7D" });
		expect(root.status).toBe(200);
		expect(root.headers.get("Content-Security-Policy")).toBeNull();
		await root.arrayBuffer();
		const openapi = await get("/v1/openapi.json");
		expect([openapi.status, openapi.headers.get("Content-Security-Policy")]).toEqual([200, null]);
		await openapi.arrayBuffer();
	});
});
