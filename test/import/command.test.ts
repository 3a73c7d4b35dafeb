/**
 * `npm run import` as an operator runs it, on the fixture dump, against a stand-in
 * for our server: what main.ts wires together (exit status, report file, requests).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, it } from "vitest";
import { runTool } from "../run-tool.ts";

const dump = fileURLToPath(new URL("../fixtures/import/sample.sql", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "import-command-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const runImport = (...args: string[]) => runTool("tools/import/main.ts", args);

/** Answers the token probe with `probe`, and every PUT with 201 created, except group 100461: here with other content. */
async function standIn(probe: number) {
	const requests: string[] = [];
	const server = createServer((req, res) => {
		requests.push(`${req.method} ${req.url} ${req.headers.authorization}`);
		if (req.method === "GET") return void res.writeHead(probe).end();
		const conflict = req.url === "/v1/groups/100461";
		const body = conflict ? { error: { code: "GROUP_EXISTS", message: "other content" } } : { result: "created" };
		res.writeHead(conflict ? 409 : 201, { "Content-Type": "application/json" }).end(JSON.stringify(body));
	});
	await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	return { url, requests, close: () => new Promise((r) => server.close(r)) };
}

describe("npm run import, on the fixture dump", () => {
	it("a usage error exits 2 with the message and the usage", async ({ expect }) => {
		const run = await runImport("--from", dump, "--dry-run", "--bogus");
		expect(run.status).toBe(2);
		expect(run.stderr).toMatch(/^error: Unknown option '--bogus'.*\n\nusage: npm run import -- --from/s);
	});

	it("a dry run exits 0 and writes its report", async ({ expect }) => {
		const report = join(scratch, "dry.json");
		const run = await runImport("--from", dump, "--dry-run", "--report", report);
		expect(run.status, run.stderr).toBe(0);
		expect(run.stdout).toContain("dry run: nothing was written");
		expect(JSON.parse(readFileSync(report, "utf8"))).toMatchObject({
			dryRun: true,
			groups: { read: 15, toImport: 14, created: 0, skipped: 1 },
		});
	});

	it("a real run writes every group with the token, reports the conflict and exits 1", async ({ expect }) => {
		const server = await standIn(404);
		const report = join(scratch, "real.json");
		const run = await runImport("--from", dump, "--url", server.url, "--api-token", "t0ken", "--report", report);
		await server.close();
		expect(run.status, run.stderr).toBe(1);
		expect(server.requests.filter((r) => r.startsWith("PUT")).length).toBe(14);
		expect(server.requests.every((r) => r.endsWith("Bearer t0ken"))).toBe(true);
		expect(JSON.parse(readFileSync(report, "utf8"))).toMatchObject({
			groups: { created: 13, conflicts: 1 },
			conflicts: [{ groupId: "100461" }],
		});
	});

	it("a token the server refuses stops the run before any write", async ({ expect }) => {
		const server = await standIn(401);
		const run = await runImport("--from", dump, "--url", server.url, "--api-token", "wrong", "--report", join(scratch, "refused.json"));
		await server.close();
		expect(run.status).toBe(1);
		expect(run.stderr).toBe(`error: ${server.url} does not take this API token (HTTP 401)\n`);
		expect(server.requests).toEqual([`GET /v1/groups/1 Bearer wrong`]);
	});
});
