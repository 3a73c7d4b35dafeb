/**
 * Reads an export file (`npm run export`, or a nightly backup from R2): one
 * group a line, sent back as it is. A line that is not a group is a problem with
 * its line number, and nothing is sent for it; the other lines still are.
 */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { type ExportLine, lineProblem } from "../export/lines.ts";
import type { GroupToWrite, Problem } from "./clean.ts";

export interface ExportFile {
	readonly groups: GroupToWrite[];
	readonly problems: Problem[];
	/** Lines read, blank ones aside. */
	readonly lines: number;
}

/** One line's group, or the problem that keeps it from being sent. */
export function readExportLine(text: string, lineNumber: number, seen: Map<string, number>): GroupToWrite | Problem {
	const bad = (groupId: string, why: string): Problem => ({ kind: "bad-line", groupId, detail: `line ${lineNumber}: ${why}` });
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch (e) {
		return bad(`line ${lineNumber}`, `not JSON (${e instanceof Error ? e.message : e})`);
	}
	const readable = (value as { groupId?: unknown } | null)?.groupId;
	const id = typeof readable === "string" && readable !== "" ? readable : `line ${lineNumber}`;
	const problem = lineProblem(value);
	if (problem) return bad(id, problem);
	const line = value as ExportLine;
	const earlier = seen.get(line.groupId);
	if (earlier !== undefined)
		return { kind: "duplicate-line", groupId: line.groupId, detail: `line ${lineNumber}: also on line ${earlier}` };
	seen.set(line.groupId, lineNumber);
	return { groupId: line.groupId, body: line };
}

export async function readExportFile(path: string): Promise<ExportFile> {
	const groups: GroupToWrite[] = [];
	const problems: Problem[] = [];
	const seen = new Map<string, number>();
	let lineNumber = 0;
	let lines = 0;
	for await (const text of createInterface({ input: createReadStream(path, "utf8"), crlfDelay: Infinity })) {
		lineNumber++;
		if (text.trim() === "") continue;
		lines++;
		const read = readExportLine(text, lineNumber, seen);
		if ("body" in read) groups.push(read);
		else problems.push(read);
	}
	return { groups, problems, lines };
}
