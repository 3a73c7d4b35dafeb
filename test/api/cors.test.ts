import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import worker from "../../src/index";
import { asApp } from "./client";

const withCors = { ...env, API_CORS_ORIGINS: "https://app.example.com" };
const preflight = (origin: string) =>
	new Request("http://aec.test/v1/users/alice/groups", {
		method: "OPTIONS",
		headers: { Origin: origin, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "Authorization" },
	});

describe("CORS (API_CORS_ORIGINS)", () => {
	it("none by default", async ({ expect }) => {
		const response = await worker.fetch(preflight("https://app.example.com"), env);
		expect(response.headers.get("Access-Control-Allow-Origin")).toBeNull();
		// Not answered as a preflight at all: OPTIONS is then just a method no route takes.
		expect([response.status, await response.json()]).toEqual([
			404,
			{ error: { code: "NOT_FOUND", message: "no API route OPTIONS /v1/users/alice/groups" } },
		]);
	});

	it("a listed origin may read with an Authorization header; others get no grant", async ({ expect }) => {
		const allowed = await worker.fetch(preflight("https://app.example.com"), withCors);
		expect(allowed.headers.get("Access-Control-Allow-Origin")).toBe("https://app.example.com");
		// Exactly the headers the API reads, cached by the browser for ten minutes.
		expect(allowed.headers.get("Access-Control-Allow-Headers")).toBe("Authorization,Content-Type,Idempotency-Key");
		expect(allowed.headers.get("Access-Control-Max-Age")).toBe("600");
		const other = await worker.fetch(preflight("https://evil.example.net"), withCors);
		expect(other.headers.get("Access-Control-Allow-Origin")).toBeNull();
	});

	it("an origin that only looks like an allowed one gets no grant, on the preflight or the request; the allowed one still does", async ({
		expect,
	}) => {
		const request = (origin: string) => new Request("http://aec.test/v1/users/alice/groups", { headers: { Origin: origin, ...asApp } });
		const grant = (response: Response) => response.headers.get("Access-Control-Allow-Origin");
		// A longer host, a prefix or a suffix of the host, another scheme, another port, a subdomain.
		const lookAlikes = [
			"https://app.example.com.evil.net",
			"https://evil-app.example.com",
			"http://app.example.com",
			"https://app.example.com:8443",
			"https://sub.app.example.com",
			"https://app.example.co",
			"null",
		];
		for (const origin of lookAlikes) {
			expect(grant(await worker.fetch(preflight(origin), withCors)), `preflight from ${origin}`).toBeNull();
			const answered = await worker.fetch(request(origin), withCors);
			expect([answered.status, grant(answered)], `GET from ${origin}`).toEqual([200, null]);
		}
		expect(grant(await worker.fetch(preflight("https://app.example.com"), withCors))).toBe("https://app.example.com");
		expect(grant(await worker.fetch(request("https://app.example.com"), withCors))).toBe("https://app.example.com");
		// With two origins listed, each is granted as itself and a look-alike of either is not.
		const two = { ...env, API_CORS_ORIGINS: "https://app.example.com, https://admin.example.org" };
		expect(grant(await worker.fetch(request("https://admin.example.org"), two))).toBe("https://admin.example.org");
		expect(grant(await worker.fetch(request("https://admin.example.org.evil.net"), two))).toBeNull();
	});

	it("* allows any origin", async ({ expect }) => {
		const response = await worker.fetch(preflight("https://any.example.org"), { ...env, API_CORS_ORIGINS: "https://app.example.com, *" });
		expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
	});

	it("an allowed origin's GET carries the grant too", async ({ expect }) => {
		const response = await worker.fetch(
			new Request("http://aec.test/v1/openapi.json", { headers: { Origin: "https://app.example.com" } }),
			withCors,
		);
		expect([response.status, response.headers.get("Access-Control-Allow-Origin")]).toEqual([200, "https://app.example.com"]);
	});

	it("never touches the AEC callbacks", async ({ expect }) => {
		const response = await worker.fetch(
			new Request("http://aec.test/healthz", { headers: { Origin: "https://app.example.com" } }),
			withCors,
		);
		expect(response.headers.get("Access-Control-Allow-Origin")).toBeNull();
	});
});
