/**
 * The bench's groups in the StarRTC sample's tables: `groups` (userList = user_flag,…)
 * and `userGroup`, dropped and filled afresh. Members come from a pool of users so that
 * each is in several groups; every 10th member has DND on. Shared by bench/import.ts
 * and bench/backup.ts, which must measure the same data.
 */
import mysql from "mysql2/promise";

export const FIRST_ID = 100462;
/** The sample's ctime (its local time, Asia/Shanghai), and the same instant in UTC. */
export const CTIME = "2024-05-01 10:00:00";
export const CREATED_AT = Date.parse("2024-05-01T02:00:00Z");

/** Group `g`'s members (user numbers), the creator first. */
export function membersOf(g: number, groupCount: number, memberCount: number): number[] {
	const users = Math.max(memberCount, Math.floor((groupCount * memberCount) / 5));
	return Array.from({ length: memberCount }, (_, i) => (g * 7919 + i * 104729) % users);
}

export const dndAt = (i: number) => i % 10 === 9;

export async function fillSample(url: string, groupCount: number, memberCount: number): Promise<number> {
	const db = await mysql.createConnection({ uri: url, multipleStatements: true });
	await db.query(`DROP TABLE IF EXISTS \`groups\`, userGroup;
CREATE TABLE \`groups\` (id int unsigned NOT NULL AUTO_INCREMENT, groupName varchar(1024), userList longtext, needAuth tinyint unsigned DEFAULT 1,
  hasLive tinyint unsigned DEFAULT 0, state tinyint unsigned DEFAULT 1, creator varchar(100) NOT NULL, numLimit mediumint unsigned DEFAULT 20000,
  curNum mediumint unsigned, ctime datetime, PRIMARY KEY (id)) ENGINE=MyISAM DEFAULT CHARSET=utf8;
CREATE TABLE userGroup (id int unsigned NOT NULL AUTO_INCREMENT, userId varchar(100) NOT NULL, groupList mediumtext NOT NULL, PRIMARY KEY (id), KEY userId (userId)) ENGINE=MyISAM DEFAULT CHARSET=utf8;`);
	const groupsOfUser = new Map<number, string[]>();
	for (let start = 0; start < groupCount; start += 500) {
		const rows: unknown[][] = [];
		for (let g = start; g < Math.min(groupCount, start + 500); g++) {
			const id = FIRST_ID + g;
			const members = membersOf(g, groupCount, memberCount);
			const list = members.map((u, i) => `user${u}_${dndAt(i) ? 1 : 0}`).join(",");
			for (const [i, u] of members.entries()) groupsOfUser.set(u, [...(groupsOfUser.get(u) ?? []), `${id}_${dndAt(i) ? 1 : 0}`]);
			rows.push([id, `group ${g}`, list, `user${members[0]}`, memberCount, CTIME]);
		}
		await db.query("INSERT INTO `groups` (id, groupName, userList, creator, curNum, ctime) VALUES ?", [rows]);
	}
	const index = [...groupsOfUser].map(([u, list]) => [`user${u}`, list.join(",")]);
	for (let i = 0; i < index.length; i += 5000)
		await db.query("INSERT INTO userGroup (userId, groupList) VALUES ?", [index.slice(i, i + 5000)]);
	await db.end();
	return groupsOfUser.size;
}
