/**
 * Reads the sample's `groups` and `userGroup` tables, from a live MySQL/MariaDB
 * (mysql2) or from a `mysqldump` file (node-sql-parser, statement by statement).
 */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import mysql from "mysql2/promise";
import sqlParser from "node-sql-parser/build/mysql.js";
import type { GroupRow, SampleData, UserGroupRow } from "./clean.ts";

/** The sample's column order (starRTC_private.sql), for a dump without CREATE TABLE. */
const SCHEMA: Record<string, string[]> = {
	groups: ["id", "groupName", "userList", "needAuth", "hasLive", "state", "creator", "numLimit", "curNum", "ctime"],
	userGroup: ["id", "userId", "groupList"],
};

const text = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

export async function readMysql(url: string): Promise<SampleData> {
	// dateStrings: ctime is the sample's local wall time; it is converted with --timezone, as from a dump.
	const db = await mysql.createConnection({
		uri: url,
		dateStrings: true,
		charset: "utf8mb4",
		supportBigNumbers: true,
		bigNumberStrings: true,
	});
	try {
		const [groups] = await db.query("SELECT id, groupName, creator, userList, ctime FROM `groups` ORDER BY id");
		const [userGroups] = await db.query("SELECT userId, groupList FROM `userGroup` ORDER BY id");
		return {
			groups: (groups as Record<string, unknown>[]).map((r) => ({
				id: String(r.id),
				groupName: text(r.groupName),
				creator: text(r.creator),
				userList: text(r.userList),
				ctime: text(r.ctime),
			})),
			userGroups: (userGroups as Record<string, unknown>[]).map((r) => ({ userId: String(r.userId), groupList: text(r.groupList) })),
		};
	} finally {
		await db.end();
	}
}

interface Literal {
	readonly type: string;
	readonly value: unknown;
}

/**
 * node-sql-parser decodes `\n`, `\r`, `\t` and `\b` in a string literal and keeps
 * MySQL's other escapes as written (`\'`, `\"`, `\\`, `\0`, `\Z`, `''`). Its
 * tokenizer has already paired every backslash with the character it escapes,
 * so each backslash left is the start of one such pair.
 */
export function finishMysqlString(raw: string): string {
	let out = "";
	for (let i = 0; i < raw.length; i++) {
		const c = raw[i];
		if (c === "\\" && i + 1 < raw.length) {
			const next = raw[++i] as string;
			out += next === "0" ? "\0" : next === "Z" ? "\x1a" : next === "%" || next === "_" ? `\\${next}` : next;
		} else if (c === "'" && raw[i + 1] === "'") {
			out += "'";
			i++;
		} else {
			out += c;
		}
	}
	return out;
}

function value(literal: Literal): string | null {
	if (literal.type === "null") return null;
	if (literal.type === "single_quote_string" || literal.type === "double_quote_string") return finishMysqlString(String(literal.value));
	if (literal.type === "number" || literal.type === "bigint") return String(literal.value);
	throw new Error(`unexpected ${literal.type} value in the dump`);
}

/**
 * A mysqldump file. Data never holds a raw newline (mysqldump writes `\n`), so a
 * statement ends with the first line that ends with `;`: MySQL's mysqldump puts
 * a whole INSERT on one line, MariaDB's one row per line. Only the CREATE TABLE
 * and INSERT statements of the two tables are handed to the parser.
 */
export async function readDump(path: string): Promise<SampleData> {
	const parser = new sqlParser.Parser();
	const columns: Record<string, string[]> = { ...SCHEMA };
	const rows: Record<string, Record<string, string | null>[]> = { groups: [], userGroup: [] };
	let statement: { table: string; lines: string[] } | undefined;
	const lines = createInterface({ input: createReadStream(path, "utf8"), crlfDelay: Infinity });
	for await (const line of lines) {
		if (!statement) {
			const table = Object.keys(rows).find((t) => line.startsWith(`CREATE TABLE \`${t}\``) || line.startsWith(`INSERT INTO \`${t}\``));
			if (!table) continue;
			statement = { table, lines: [] };
		}
		statement.lines.push(line);
		if (!line.trimEnd().endsWith(";")) continue;
		const { table } = statement;
		const ast = parser.astify(statement.lines.join("\n"), { database: "MySQL" });
		statement = undefined;
		const parsed = (Array.isArray(ast) ? ast[0] : ast) as {
			type: string;
			create_definitions?: { resource: string; column?: { column: string } }[];
			columns?: string[] | null;
			values?: { values: { value: Literal[] }[] };
		};
		if (parsed.type === "create") {
			columns[table] = (parsed.create_definitions ?? []).filter((d) => d.resource === "column").map((d) => String(d.column?.column));
			continue;
		}
		const names = parsed.columns ?? columns[table] ?? [];
		for (const tuple of parsed.values?.values ?? []) {
			rows[table]?.push(Object.fromEntries(tuple.value.map((literal, i) => [names[i] ?? `#${i}`, value(literal)])));
		}
	}
	if (statement) throw new Error(`the dump ends inside a statement of \`${statement.table}\` (cut short?)`);
	return {
		groups: (rows.groups ?? []).map(
			(r): GroupRow => ({
				id: r.id ?? "",
				groupName: r.groupName ?? null,
				creator: r.creator ?? null,
				userList: r.userList ?? null,
				ctime: r.ctime ?? null,
			}),
		),
		userGroups: (rows.userGroup ?? []).map((r): UserGroupRow => ({ userId: r.userId ?? "", groupList: r.groupList ?? null })),
	};
}
