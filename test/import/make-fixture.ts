/**
 * node test/import/make-fixture.ts --sample http://127.0.0.1:8098 --mysql mysql://starrtc:starrtc-bench@127.0.0.1:3317/starRTC_private
 *
 * Writes test/fixtures/import/ from the real StarRTC sample, started fresh by
 * test/sample-server/setup.sh (SAMPLE_HTTP_PORT=8098 SAMPLE_DB_PORT=3317):
 * drives its eventCenter.php through a scenario with the dirty cases, then
 * records a mariadb-dump of `groups` and `userGroup`, the same rows read with
 * mysql2, and the sample's own SYNC_ALL and list.php answers.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { readMysql } from "../../tools/import/read.ts";
import { sampleAnswers } from "./sample-http.ts";

const { values: args } = parseArgs({
	options: { sample: { type: "string" }, mysql: { type: "string" }, out: { type: "string", default: "test/fixtures/import" } },
});
const sample = args.sample ?? "http://127.0.0.1:8098";
const url = new URL(args.mysql ?? "mysql://starrtc:starrtc-bench@127.0.0.1:3317/starRTC_private");

async function event(fields: Record<string, string>): Promise<string> {
	const response = await fetch(`${sample}/eventCenter.php`, {
		method: "POST",
		headers: { "Content-Type": "application/x-www-form-urlencoded" },
		body: `data=${encodeURIComponent(JSON.stringify(fields))}`,
	});
	return response.text();
}
async function create(userId: string, addUsers: string, name: string): Promise<string> {
	const answer = await event({ action: "AEC_GROUP_CREATE", userId, addUsers, userDefineData: name });
	const id = (JSON.parse(answer) as { data: string }).data;
	console.log(`create ${userId} [${addUsers}] -> ${id}`);
	return id;
}
const add = (groupId: string, userId: string, addUsers: string) => event({ action: "AEC_GROUP_ADD_USER", userId, groupId, addUsers });
const dnd = (groupId: string, userId: string, on = true) =>
	event({ action: on ? "AEC_SET_GROUP_PUSH_IGNORE" : "AEC_UNSET_GROUP_PUSH_IGNORE", userId, groupId });

// A clean group, then the dirty cases measured on the sample.
const clean = await create("alice", "alice,bob,carol", "研发部 群");
await dnd(clean, "bob");
await dnd(clean, "carol");
await dnd(clean, "carol", false);

const empties = await create("dave", "dave,erin", "empties");
await add(empties, "dave", ""); // the sample stores an empty member
await add(empties, "dave", "frank");
await add(empties, "erin", ""); // and another
await add(empties, "dave", " gina"); // kept with its space

await create("hank", "ivan,judy", "creator not listed");

const dups = await create("kate", "kate,kate,liam,liam", "duplicates");
await dnd(dups, "liam"); // the first liam moves to the end with DND; the second stays without

const numeric = await create("10086", "10086,007,1e3,00123,-5", "123");
await dnd(numeric, "007");
await add(numeric, "10086", "0.50");

await create("mona", "", "no members at all");
await create("", "zed", "empty creator"); // unimportable: reported and skipped

const names = await create("nick", "nick,olga", 'it\'s "quoted" \\ back\nslash');
await dnd(names, "olga");

const underscore = await create("pat", "pat,kim_lee", "underscore"); // the sample's own reads fail on it
await dnd(underscore, "kim_lee");

const control = await create("quinn", "quinn,bad\u0001id,rosa", "control character");
await dnd(control, "rosa");

const gone = await create("sam", "sam,tina", "deleted");
await event({ action: "AEC_GROUP_DEL", userId: "sam", groupId: gone });

// Concurrent adds to one group: the sample loses some of them from userList, not from userGroup.
const raced = await create("uma", "uma", "raced adds");
await Promise.all(Array.from({ length: 12 }, (_, i) => add(raced, "uma", `racer${i}`)));

const out = args.out ?? "test/fixtures/import";
mkdirSync(out, { recursive: true });
const dump = execFileSync(
	"mariadb-dump",
	[
		"-h",
		url.hostname,
		"-P",
		url.port,
		`-u${decodeURIComponent(url.username)}`,
		`-p${decodeURIComponent(url.password)}`,
		"--skip-dump-date",
		url.pathname.slice(1),
		"groups",
		"userGroup",
	],
	{ encoding: "utf8" },
);
writeFileSync(`${out}/sample.sql`, dump);
const rows = await readMysql(url.href);
writeFileSync(`${out}/sample-rows.json`, `${JSON.stringify(rows, null, 1)}\n`);
writeFileSync(`${out}/sample-answers.json`, `${JSON.stringify(await sampleAnswers(sample, rows), null, 1)}\n`);
console.log(`wrote ${out}: ${rows.groups.length} groups, ${rows.userGroups.length} userGroup rows`);
