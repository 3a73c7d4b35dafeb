import { describe, it } from "vitest";
import { api } from "../../src/api/api";
import { read } from "./client";

/** Hono's `:name` path parameters, as OpenAPI writes them (`{name}`). */
const openApiPath = (path: string) => path.replace(/:(\w+)/g, "{$1}");

describe("/v1/openapi.json", () => {
	it("is served without a token and lists exactly the app's /v1 routes", async ({ expect }) => {
		const answer = await read("/v1/openapi.json");
		expect(answer.status).toBe(200);
		const doc = answer.json as { openapi: string; paths: Record<string, Record<string, unknown>> };
		expect(doc.openapi).toMatch(/^3\./);
		const documented = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
		const routed = api.routes
			.filter((r) => r.path.startsWith("/v1/") && !r.path.includes("*") && r.method !== "ALL")
			.map((r) => `${r.method} ${openApiPath(r.path)}`);
		expect(documented.toSorted()).toEqual([...new Set(routed)].toSorted());
	});
});
