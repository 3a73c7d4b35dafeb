import { describe, it } from "vitest";
import { api } from "../../src/api/api";
import { DEFAULT_LIMIT, MAX_LIMIT } from "../../src/api/params";
import { parseGroupId } from "../../src/protocol/ids";
import { read } from "./client";

/** Hono's `:name` path parameters, as OpenAPI writes them (`{name}`). */
const openApiPath = (path: string) => path.replace(/:(\w+)/g, "{$1}");

describe("/v1/openapi.json", () => {
	it("is served without a token and lists exactly the app's /v1 routes", async ({ expect }) => {
		const answer = await read("/v1/openapi.json");
		expect(answer.status).toBe(200);
		const doc = answer.json as { openapi: string; paths: Record<string, Record<string, unknown>> };
		expect(doc.openapi).toMatch(/^3\./);
		const documented = Object.entries(doc.paths).flatMap(([path, methods]) =>
			Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`),
		);
		const routed = api.routes
			.filter((r) => r.path.startsWith("/v1/") && !r.path.includes("*") && r.method !== "ALL")
			.map((r) => `${r.method} ${openApiPath(r.path)}`);
		expect(documented.toSorted()).toEqual([...new Set(routed)].toSorted());
	});

	it("states the limits and the id form the API enforces", async ({ expect }) => {
		type Parameter = { name: string; schema: { minimum?: number; maximum?: number; default?: number; pattern?: string } };
		const doc = (await read("/v1/openapi.json")).json as { paths: Record<string, Record<string, { parameters?: Parameter[] }>> };
		const parameters = Object.values(doc.paths).flatMap((methods) => Object.values(methods).flatMap((op) => op.parameters ?? []));
		const limits = parameters.filter((p) => p.name === "limit");
		expect(limits).toHaveLength(4);
		for (const { schema } of limits) expect([schema.minimum, schema.maximum, schema.default]).toEqual([1, MAX_LIMIT, DEFAULT_LIMIT]);
		const patterns = new Set(parameters.filter((p) => p.name === "groupId").map((p) => p.schema.pattern));
		expect(patterns.size).toBe(1);
		const pattern = new RegExp([...patterns][0] ?? "");
		for (const id of ["1", "100000", "9007199254740991", "0", "01", "-1", "1.5", "abc", ""]) {
			expect(pattern.test(id), id).toBe(parseGroupId(id).ok);
		}
	});

	// The document is the API's published contract: a change to it, even to a description,
	// is made on purpose and shows in review as a change to the pinned copy (`vitest -u` rewrites it).
	it("is the pinned copy, byte for byte", async ({ expect }) => {
		const answer = await read("/v1/openapi.json");
		await expect(`${JSON.stringify(answer.json, null, "\t")}\n`).toMatchFileSnapshot("./openapi.pinned.json");
	});
});
