import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "vitest";
import { parseUserId } from "../../src/protocol/ids";
import { cleanAll, type SampleData, userIdProblem, zonedTime } from "../../tools/import/clean.ts";
import { finishMysqlString, readDump } from "../../tools/import/read.ts";
import { expectedList, expectedRoster, listOf, rosterOf, type SampleAnswers } from "./sample-http.ts";

// Made by make-fixture.ts from the real sample (PHP + MariaDB): a mariadb-dump, the same rows read with mysql2, and its answers.
const fixture = new URL("../fixtures/import/", import.meta.url);
const dumpPath = new URL("sample.sql", fixture).pathname;
const rows = JSON.parse(readFileSync(new URL("sample-rows.json", fixture), "utf8")) as SampleData;
const answers = JSON.parse(readFileSync(new URL("sample-answers.json", fixture), "utf8")) as SampleAnswers;
const { groups, problems } = cleanAll(rows, "Asia/Shanghai");
const group = (id: string) => groups.find((g) => g.groupId === id)?.body;

describe("reading the sample's tables from a mysqldump file", () => {
	it("gives exactly what mysql2 read from the same database (quotes, backslashes, newlines, CJK, control characters)", async ({
		expect,
	}) => {
		expect(await readDump(dumpPath)).toEqual(rows);
		expect(rows.groups.find((r) => r.id === "100469")?.groupName).toBe('it\'s "quoted" \\ back\nslash');
	});

	it("reads MySQL's layout too: a whole INSERT on one line", async ({ expect }) => {
		const oneLine = readFileSync(dumpPath, "utf8")
			.replace(/VALUES\n/g, "VALUES ")
			.replace(/\),\n\(/g, "),(");
		expect(oneLine.split("\n").filter((l) => l.startsWith("INSERT")).length).toBe(2);
		const dir = mkdtempSync(join(tmpdir(), "import-"));
		try {
			writeFileSync(join(dir, "one-line.sql"), oneLine);
			expect(await readDump(join(dir, "one-line.sql"))).toEqual(rows);
			writeFileSync(join(dir, "cut.sql"), oneLine.slice(0, oneLine.indexOf("INSERT INTO `userGroup`") + 60));
			await expect(readDump(join(dir, "cut.sql"))).rejects.toThrow(/ends inside a statement of `userGroup`/);
		} finally {
			rmSync(dir, { recursive: true });
		}
	});

	it("finishes MySQL's string escapes that node-sql-parser leaves as written", ({ expect }) => {
		expect(finishMysqlString(String.raw`a\'b\"c\\d\0e\Zf''g`)).toBe("a'b\"c\\d\0e\x1af'g");
		expect(finishMysqlString(String.raw`\\n stays a backslash and an n`)).toBe("\\n stays a backslash and an n");
	});
});

describe("cleaning, by the callbacks' rules", () => {
	it("counts every problem by kind, with the groups it touched", ({ expect }) => {
		const counts: Record<string, [number, string[]]> = {};
		for (const p of problems) {
			const entry = counts[p.kind] ?? [0, []];
			counts[p.kind] = entry;
			entry[0]++;
			if (!entry[1].includes(p.groupId)) entry[1].push(p.groupId);
		}
		expect(counts).toEqual({
			"creator-added": [5, ["100459", "100460", "100461", "100464", "100467"]],
			"duplicate-member": [2, ["100465"]],
			"empty-id": [2, ["100463", "100467"]],
			"trimmed-id": [1, ["100463"]],
			"invalid-creator": [1, ["100468"]],
			"invalid-member": [1, ["100471"]],
			"underscore-id": [1, ["100470"]],
			"numeric-looking-id": [14, ["100458", "100459", "100460", "100461", "100466"]],
			// The 12 racing adds: all in userGroup, 7 lost from userList.
			"index-only": [7, ["100473"]],
			"index-duplicate": [2, ["100465"]],
			"index-dnd-differs": [1, ["100465"]],
		});
	});

	it("keeps ids as text exactly, the creator first, DND flags, names and local times", ({ expect }) => {
		// The sample's order: a DND change moved 007 to the end.
		expect(group("100466")).toMatchObject({
			creator: "10086",
			members: ["10086", "1e3", "00123", "-5", "007", "0.50"],
			doNotDisturb: ["007"],
			name: "123",
		});
		expect(group("100462")).toEqual({
			creator: "alice",
			name: "研发部 群",
			members: ["alice", "bob", "carol"],
			doNotDisturb: ["bob"],
			createdAt: group("100462")?.createdAt,
		});
		expect(group("100463")?.members).toEqual(["dave", "erin", "frank", "gina"]);
		expect(group("100464")?.members).toEqual(["hank", "ivan", "judy"]);
		expect(group("100465")).toMatchObject({ members: ["kate", "liam"], doNotDisturb: ["liam"] });
		expect(group("100467")?.members).toEqual(["mona"]);
		// Whole, though the sample reads it as "kim" (and its DND on it failed with a PHP TypeError).
		expect(group("100470")).toMatchObject({ members: ["pat", "kim_lee"], doNotDisturb: [] });
		expect(group("100471")).toMatchObject({ members: ["quinn", "rosa"], doNotDisturb: ["rosa"] });
		expect(group("100458")?.createdAt).toBe(Date.parse("2019-08-27T09:25:17+08:00"));
		expect(groups.map((g) => g.groupId)).not.toContain("100468");
	});

	it("every group's members and DND equal the sample's own SYNC_ALL, modulo the documented differences", ({ expect }) => {
		const unanswered: string[] = [];
		for (const g of groups) {
			const sample = rosterOf(answers.syncAll[g.groupId] ?? "");
			if (!sample) {
				unanswered.push(g.groupId);
				continue;
			}
			const ours = { members: [...g.body.members].sort(), ignoring: [...g.body.doNotDisturb].sort() };
			expect(ours, g.groupId).toEqual(expectedRoster(sample, g.body.creator));
		}
		// The sample's SYNC_ALL dies (PHP TypeError) on a group with an id holding '_'.
		expect(unanswered).toEqual(["100470"]);
		expect(answers.syncAll["100470"]).toContain("Fatal error");
	});

	it("every user's groups equal the sample's list.php, modulo the documented differences", ({ expect }) => {
		const skipped = new Set(problems.filter((p) => p.kind === "invalid-creator").map((p) => p.groupId));
		const unreadable: string[] = [];
		let compared = 0;
		for (const [user, body] of Object.entries(answers.list)) {
			const id = user.trim();
			if (parseUserId("userId", id).ok === false) continue;
			const sample = listOf(body);
			if (!sample) {
				unreadable.push(user);
				continue;
			}
			const ours = groups
				.filter((g) => g.body.members.includes(id))
				.map((g) => ({ groupName: g.body.name, creator: g.body.creator, groupId: g.groupId }));
			expect(ours, user).toEqual(expectedList(sample, id, problems, groups).filter((item) => !skipped.has(item.groupId)));
			compared++;
		}
		expect(compared).toBe(44);
		// A name holding '"' comes out raw from the sample: not JSON.
		expect(unreadable.sort()).toEqual(["nick", "olga"]);
	});
});

describe("ids: the importer refuses what the server refuses", () => {
	it("agrees with parseUserId, and also refuses '\"' and '\\', which StarRTC cannot carry", ({ expect }) => {
		const ids = [
			"alice",
			"007",
			"中文",
			"a b",
			"",
			"a,b",
			"ctl\u0001",
			"del\u007f",
			"c1\u0085",
			"\ud800",
			"x".repeat(128),
			"x".repeat(129),
			"中".repeat(42),
			"中".repeat(43),
			"emoji😀",
		];
		for (const id of ids) expect(userIdProblem(id) === undefined, JSON.stringify(id)).toBe(parseUserId("userId", id).ok);
		expect(userIdProblem('q"uote')).toMatch(/quote/);
		expect(userIdProblem("back\\slash")).toMatch(/backslash/);
	});

	it("reads ctime as wall time in the sample's zone, across a DST change too", ({ expect }) => {
		expect(zonedTime("2019-08-27 09:25:17", "Asia/Shanghai")).toBe(Date.parse("2019-08-27T01:25:17Z"));
		expect(zonedTime("2024-03-10 03:30:00", "America/New_York")).toBe(Date.parse("2024-03-10T07:30:00Z"));
		expect(zonedTime("2024-01-10 03:30:00", "America/New_York")).toBe(Date.parse("2024-01-10T08:30:00Z"));
		expect(zonedTime("0000-00-00 00:00:00", "UTC")).toBeUndefined();
	});
});
