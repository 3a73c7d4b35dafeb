/**
 * `npm run import -- --from groups.ndjson`: an export file put back through a
 * stand-in for our server. What is sent (each line as it is, with the asked
 * query), what is not (bad lines, by number), and the exit status.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, it } from "vitest";
import { runTool } from "../run-tool.ts";
import { readExportLine } from "../../tools/import/read-export.ts";

const scratch = mkdtempSync(join(tmpdir(), "import-export-file-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const line = (groupId: string) => ({
	groupId,
	name: `「${groupId}」 "quoted"`,
	creator: "owner",
	createdAt: "2026-01-02T03:04:05.000Z",
	version: 4,
	members: [
		{ userId: "owner", doNotDisturb: false, joinedAt: "2026-01-02T03:04:05.000Z" },
		{ userId: "王", doNotDisturb: true, joinedAt: "2026-01-03T00:00:00.000Z" },
	],
});

const runImport = (...args: string[]) => runTool("tools/import/main.ts", args);

/** 300 was deleted here (410 unless ?revive=true); every other PUT is created. */
async function standIn() {
	const puts: { url: string; body: unknown }[] = [];
	const server = createServer(async (req, res) => {
		let body = "";
		for await (const chunk of req) body += chunk;
		if (req.method === "GET") return void res.writeHead(404).end();
		puts.push({ url: req.url ?? "", body: JSON.parse(body) });
		const json = (status: number, answer: unknown) =>
			res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(answer));
		if (req.url?.startsWith("/v1/groups/300") && !req.url.includes("revive=true"))
			return json(410, { error: { code: "GROUP_DELETED", message: "group 300 was deleted here" } });
		json(201, { result: req.url?.startsWith("/v1/groups/300") ? "revived" : "created", version: 5 });
	});
	await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	return { url, puts, close: () => new Promise((r) => server.close(r)) };
}

function exportFile(name: string): string {
	const file = join(scratch, name);
	const lines = [
		JSON.stringify(line("100")),
		"",
		'{"groupId":"200","name":"cut sh', // line 3: a run stopped mid-line
		JSON.stringify({ ...line("250"), members: [{ userId: "owner", doNotDisturb: "yes", joinedAt: null }] }), // line 4
		JSON.stringify(line("300")),
		JSON.stringify(line("100")), // line 6: again
	];
	writeFileSync(file, `${lines.join("\n")}\n`);
	return file;
}

describe("npm run import --from an export file", () => {
	it("sends each good line as it is; names each bad line by number, sends nothing for it, and exits 1", async ({ expect }) => {
		const server = await standIn();
		const report = join(scratch, "report.json");
		const run = await runImport("--from", exportFile("a.ndjson"), "--url", server.url, "--api-token", "t", "--report", report);
		await server.close();
		expect(run.status).toBe(1);
		expect(server.puts).toEqual([
			{ url: "/v1/groups/100", body: line("100") },
			{ url: "/v1/groups/300", body: line("300") },
		]);
		expect(run.stderr).toContain("a.ndjson: line 3: not JSON");
		expect(run.stderr).toContain("a.ndjson: line 4: members[0].doNotDisturb is not true or false");
		expect(run.stderr).toContain("a.ndjson: line 6: also on line 1");
		expect(run.stdout).toContain("read 5 lines");
		expect(run.stdout).toContain("--revive brings them back");
		const written = JSON.parse(readFileSync(report, "utf8"));
		expect(written.groups).toMatchObject({ created: 1, revived: 0, skipped: 4 });
		expect(written.doNotDisturb).toBe(2);
		expect(written.problems["bad-line"].items.map((i: { detail: string }) => i.detail.split(":")[0])).toEqual(["line 3", "line 4"]);
	});

	it("--revive and --overwrite go on every PUT; a group deleted here comes back only so", async ({ expect }) => {
		const server = await standIn();
		const report = join(scratch, "revive.json");
		const run = await runImport(
			"--from",
			exportFile("b.jsonl"),
			"--url",
			server.url,
			"--api-token",
			"t",
			"--overwrite",
			"--revive",
			"--report",
			report,
		);
		await server.close();
		expect(run.status).toBe(1);
		expect(server.puts.map((p) => p.url)).toEqual([
			"/v1/groups/100?overwrite=true&revive=true",
			"/v1/groups/300?overwrite=true&revive=true",
		]);
		expect(JSON.parse(readFileSync(report, "utf8")).groups).toMatchObject({ created: 1, revived: 1 });
		expect(run.stdout).toMatch(/groups revived +1\n/);
	});

	it("a dry run reads and checks, and sends nothing", async ({ expect }) => {
		const run = await runImport("--from", exportFile("c.ndjson"), "--dry-run", "--report", join(scratch, "dry.json"));
		expect(run.status).toBe(1);
		expect(run.stdout).toContain("dry run: nothing was written");
		expect(run.stdout).toMatch(/groups to import +2\n/);
	});

	it("reads one line: a group, or why not", ({ expect }) => {
		const seen = new Map<string, number>();
		expect(readExportLine(JSON.stringify(line("7")), 1, seen)).toEqual({ groupId: "7", body: line("7") });
		expect(readExportLine("[1]", 2, seen)).toEqual({ kind: "bad-line", groupId: "line 2", detail: "line 2: not a JSON object" });
		expect(readExportLine(JSON.stringify({ ...line("8"), version: "x" }), 3, seen)).toEqual({
			kind: "bad-line",
			groupId: "8",
			detail: "line 3: version is not a positive integer",
		});
	});
});
