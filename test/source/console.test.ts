import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, it } from "vitest";

// The console's browser files (console/): facts its safety rests on, read from the text.
const dir = fileURLToPath(new URL("../../console/", import.meta.url));
const read = (name: string) => readFileSync(`${dir}${name}`, "utf8");
const script = read("console.js");
const html = read("index.html");
// The code without its comments, which name the very calls they forbid.
const code = script.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");

describe("the console's source", () => {
	it("never parses text as HTML or code", ({ expect }) => {
		for (const sink of [
			/innerHTML/,
			/outerHTML/,
			/insertAdjacentHTML/,
			/document\.write/,
			/\beval\(/,
			/new Function/,
			/setTimeout\(\s*["'`]/,
			/DOMParser/,
			/createContextualFragment/,
		]) {
			expect(code, String(sink)).not.toMatch(sink);
		}
	});

	it("keeps the token in sessionStorage only, never in localStorage, a cookie, a URL or a log", ({ expect }) => {
		expect(code).not.toMatch(/localStorage|document\.cookie|console\.(log|info|warn|error|debug)/);
		expect(code.match(/sessionStorage\.\w+/g)?.sort()).toEqual([
			"sessionStorage.getItem",
			"sessionStorage.removeItem",
			"sessionStorage.setItem",
		]);
		// The token goes out only as the Authorization header.
		expect(code.match(/token\.get\(\)/g)?.length).toBe(2);
		expect(code).toContain(["Authorization: `Bearer $", '{token.get() ?? ""}`'].join(""));
		// Calls go to this origin only: every fetch is of a path.
		expect(code).not.toMatch(/https?:\/\//);
		// The token field has no name, so no form submission could carry it.
		expect(code).toMatch(/field\("token", "API token", \{ type: "password", required: true, autocomplete: "off" \}/);
	});

	it("loads only its own files: no inline script, style or handler in the page", ({ expect }) => {
		expect(html).not.toMatch(/<script(?![^>]*\ssrc=)/);
		expect(html).not.toMatch(/\son[a-z]+=|<style|\sstyle=|https?:\/\/(?!www\.w3\.org)/i);
		expect(readdirSync(dir).sort()).toEqual(["console.css", "console.js", "icon.svg", "index.html"]);
	});
});
