/**
 * `npm run export` as an operator runs it, against a stand-in for our server that
 * pages, stumbles (503, 429, a group deleted under it) and refuses: what lands in
 * the file, in which order, the exit status, and a stopped run resumed with --after.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, it } from "vitest";
import { runTool } from "../run-tool.ts";
import { parseExportArgs } from "../../tools/export/args.ts";
import { compareIds, lineProblem } from "../../tools/export/lines.ts";
import { inOrder } from "../../tools/export/ordered.ts";
import { lastCompleteLine, prepareOut } from "../../tools/export/resume.ts";
import { retryAfterMs } from "../../tools/export/retry.ts";

const scratch = mkdtempSync(join(tmpdir(), "export-command-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const exportLine = (groupId: string, extra: Record<string, unknown> = {}) => ({
	groupId,
	name: `n"${groupId}"群`,
	creator: "owner",
	createdAt: "2026-01-02T03:04:05.000Z",
	version: 3,
	members: [
		{ userId: "owner", doNotDisturb: false, joinedAt: "2026-01-02T03:04:05.000Z" },
		{ userId: `u${groupId}`, doNotDisturb: true, joinedAt: null },
	],
	...extra,
});

const runExport = (...args: string[]) => runTool("tools/export/main.ts", args);

/**
 * Groups 7, 9, 10, 100, 1000, 1001 (listed two a page, the last page out of order). 10 answers 503
 * twice, 100 answers 429 once (Retry-After: 0), 1000 was deleted since (404); `broken` answers 400.
 */
async function standIn(broken?: string) {
	const ids = ["7", "9", "10", "100", "1000", "1001"];
	const pages = [
		["7", "9"],
		["10", "100"],
		["1001", "1000"],
	];
	const hits = new Map<string, number>();
	const requests: string[] = [];
	const server = createServer((req, res) => {
		requests.push(`${req.method} ${req.url} ${req.headers.authorization}`);
		const url = new URL(req.url ?? "/", "http://x");
		const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
			res.writeHead(status, { "Content-Type": "application/json", ...headers }).end(JSON.stringify(body));
		if (req.headers.authorization !== "Bearer t0ken") return json(401, { error: { code: "TOKEN_BAD_SIGNATURE", message: "no" } });
		if (url.pathname === "/v1/groups") {
			const at = Number(url.searchParams.get("cursor") ?? 0);
			const groups = (pages[at] ?? []).map((groupId) => ({
				groupId,
				name: "",
				creator: "owner",
				createdAt: "x",
				memberCount: 2,
				version: 3,
			}));
			return json(200, { groups, ...(at + 1 < pages.length ? { next: String(at + 1) } : {}) });
		}
		const id = /^\/v1\/groups\/(\d+)\/export$/.exec(url.pathname)?.[1] ?? "";
		const hit = (hits.get(id) ?? 0) + 1;
		hits.set(id, hit);
		if (!ids.includes(id) || id === "1000") return json(404, { error: { code: "UNKNOWN_GROUP", message: "no such group" } });
		if (id === broken) return json(400, { error: { code: "BAD_REQUEST", message: "broken" } });
		if (id === "10" && hit <= 2) return json(503, { error: { code: "INTERNAL_ERROR", message: "busy" } });
		if (id === "100" && hit === 1) return json(429, { error: { code: "RATE", message: "slow down" } }, { "Retry-After": "0" });
		// Spaced out, as another server might: the file still gets one line per group.
		res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(exportLine(id), null, 2));
	});
	await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	return { url, requests, close: () => new Promise((r) => server.close(r)) };
}

const expected = ["7", "9", "10", "100", "1001"].map((id) => `${JSON.stringify(exportLine(id))}\n`).join("");

describe("npm run export", () => {
	it("writes every listed group once, in id order, retrying 503 and 429, skipping one deleted since the list", async ({ expect }) => {
		const server = await standIn();
		const out = join(scratch, "all.ndjson");
		const run = await runExport("--url", `${server.url}/`, "--api-token", "t0ken", "--out", out, "--page", "2", "--concurrency", "3");
		await server.close();
		expect(run.status, run.stderr).toBe(0);
		expect(readFileSync(out, "utf8")).toBe(expected);
		expect(run.stdout).toBe("");
		expect(run.stderr).toMatch(/groups written +5\n/);
		expect(run.stderr).toMatch(/skipped \(deleted\) +1\n/);
		expect(run.stderr).toContain("deleted since the list, not exported: 1000");
		expect(server.requests.filter((r) => r.startsWith("GET /v1/groups?")).map((r) => r.split(" ")[1])).toEqual([
			"/v1/groups?limit=2",
			"/v1/groups?limit=2&cursor=1",
			"/v1/groups?limit=2&cursor=2",
		]);
		expect(server.requests.filter((r) => r.includes("/10/export")).length).toBe(3);
	});

	it("without --out, the lines go to standard output and nothing else does", async ({ expect }) => {
		const server = await standIn();
		const run = await runExport("--url", server.url, "--api-token", "t0ken");
		await server.close();
		expect(run.status, run.stderr).toBe(0);
		expect(run.stdout).toBe(expected);
	});

	it("a group it cannot read stops the run after the groups before it (exit 1); --after finishes the same file", async ({ expect }) => {
		const out = join(scratch, "resumed.ndjson");
		const broken = await standIn("100");
		const first = await runExport("--url", broken.url, "--api-token", "t0ken", "--out", out, "--concurrency", "4");
		await broken.close();
		expect(first.status).toBe(1);
		expect(readFileSync(out, "utf8")).toBe(`${expected.split("\n").slice(0, 3).join("\n")}\n`);
		expect(first.stderr).toContain("group 100 could not be read: HTTP 400");
		expect(first.stderr).toContain(`resume with: --after 10 --out ${out}`);

		// A run killed mid-line leaves half a line: the resume cuts it off.
		writeFileSync(out, `${readFileSync(out, "utf8")}{"groupId":"100","na`);
		const fixed = await standIn();
		const again = await runExport("--url", fixed.url, "--api-token", "t0ken", "--out", out, "--after", "10");
		const wrongAfter = await runExport("--url", fixed.url, "--api-token", "t0ken", "--out", out, "--after", "9");
		const noAfter = await runExport("--url", fixed.url, "--api-token", "t0ken", "--out", out);
		await fixed.close();
		expect(again.status, again.stderr).toBe(0);
		expect(readFileSync(out, "utf8")).toBe(expected);
		expect(fixed.requests.filter((r) => r.includes("/export")).every((r) => !/\/(7|9|10)\/export/.test(r))).toBe(true);
		expect(wrongAfter).toMatchObject({ status: 1, stderr: `error: ${out} ends with group 1001, not 9: resume with --after 1001\n` });
		expect(noAfter.status).toBe(1);
		expect(noAfter.stderr).toContain("resume with --after 1001, or remove it first");
		expect(readFileSync(out, "utf8")).toBe(expected);
	});

	it("a refused token stops it before anything is written", async ({ expect }) => {
		const server = await standIn();
		const run = await runExport("--url", server.url, "--api-token", "wrong", "--out", join(scratch, "refused.ndjson"));
		await server.close();
		expect(run.status).toBe(1);
		expect(run.stderr).toContain("error: cannot list the groups of");
		expect(run.stderr).toContain("HTTP 401");
		expect(server.requests).toHaveLength(1);
	});

	it("usage errors exit 2", async ({ expect }) => {
		const run = await runExport("--url", "http://x", "--api-token", "t", "--after", "01");
		expect(run.status).toBe(2);
		expect(run.stderr).toMatch(/^error: --after 01 is not a group id\n\nusage: npm run export/);
	});
});

describe("the export's parts", () => {
	it("reads its options", ({ expect }) => {
		expect(parseExportArgs(["--url", "http://h/"], { API_TOKEN: "t" })).toEqual({
			options: { url: "http://h", apiToken: "t", out: undefined, after: undefined, concurrency: 8, page: 1000 },
		});
		expect(parseExportArgs(["--url", "http://h"], {})).toEqual({ error: "--api-token or env API_TOKEN is required" });
		expect(parseExportArgs(["--url", "h", "--api-token", "t", "--page", "1001"], {})).toEqual({
			error: "--page must be an integer from 1 to 1000",
		});
		expect(parseExportArgs(["--url", "h", "--api-token", "t", "--concurrency", "0"], {})).toMatchObject({ error: /--concurrency/ });
	});

	it("orders ids as numbers", ({ expect }) => {
		expect(["100", "9", "1000", "10"].sort(compareIds)).toEqual(["9", "10", "100", "1000"]);
	});

	it("tells a damaged line", ({ expect }) => {
		expect(lineProblem(exportLine("5"))).toBeUndefined();
		expect(lineProblem([])).toBe("not a JSON object");
		expect(lineProblem({ ...exportLine("05") })).toBe("groupId is not a group id");
		expect(lineProblem({ ...exportLine("5"), createdAt: "soon" })).toBe("createdAt is not an ISO time");
		expect(lineProblem({ ...exportLine("5"), version: 0 })).toBe("version is not a positive integer");
		expect(lineProblem({ ...exportLine("5"), members: [] })).toBe("members is not a non-empty list");
		const twice = { userId: "a", doNotDisturb: false, joinedAt: null };
		expect(lineProblem({ ...exportLine("5"), members: [twice, twice] })).toBe('members[1] repeats "a"');
		expect(lineProblem({ ...exportLine("5"), members: [{ ...twice, doNotDisturb: 1 }] })).toBe(
			"members[0].doNotDisturb is not true or false",
		);
	});

	it("reads Retry-After as seconds or a date, bounded", ({ expect }) => {
		expect(retryAfterMs("3")).toBe(3000);
		expect(retryAfterMs(null)).toBeUndefined();
		expect(retryAfterMs("soon")).toBeUndefined();
		expect(retryAfterMs(new Date(61_000).toUTCString(), 1_000)).toBe(60_000);
		expect(retryAfterMs("99999")).toBe(300_000);
	});

	it("emits in order with at most `concurrency` under way and at most `window` ahead", async ({ expect }) => {
		const items = Array.from({ length: 60 }, (_, i) => i);
		let running = 0;
		let most = 0;
		let emitted = -1;
		let furthestAhead = 0;
		const order: number[] = [];
		await inOrder(
			items,
			{ concurrency: 4, window: 6 },
			async (i) => {
				running++;
				most = Math.max(most, running);
				furthestAhead = Math.max(furthestAhead, i - emitted);
				// Item 3 is slow: the others must not run far past it.
				await new Promise((r) => setTimeout(r, i === 3 ? 40 : (i * 7) % 5));
				running--;
				return i * 2;
			},
			(result, item) => {
				order.push(item);
				emitted = item;
				expect(result).toBe(item * 2);
			},
		);
		expect(order).toEqual(items);
		expect(most).toBe(4);
		expect(furthestAhead).toBeLessThanOrEqual(6);
	});

	it("finds the last whole line, however long, and ignores a cut one", ({ expect }) => {
		const file = join(scratch, "tail.ndjson");
		const long = "x".repeat(3000);
		writeFileSync(file, `{"a":1}\n{"b":"${long}"}\n{"c":`);
		expect(lastCompleteLine(file, 64)).toEqual({ line: `{"b":"${long}"}`, bytes: 8 + 3008 + 1 });
		writeFileSync(file, `{"a":1}\n`);
		expect(lastCompleteLine(file, 3)).toEqual({ line: `{"a":1}`, bytes: 8 });
		writeFileSync(file, `{"a":`);
		expect(lastCompleteLine(file)).toEqual({ bytes: 0 });
		expect(prepareOut(join(scratch, "absent.ndjson"), "5")).toBeUndefined();
	});
});
