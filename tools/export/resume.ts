/** Where a resumed run (`--after`) appends: the file's last whole line must be the group it resumes after. */
import { closeSync, existsSync, openSync, readSync, statSync, truncateSync } from "node:fs";

/** The last complete line of a file (ending in "\n"), and how many bytes end with it: anything after is a line cut short. */
export function lastCompleteLine(path: string, chunk = 1 << 20): { line?: string; bytes: number } {
	const size = statSync(path).size;
	const fd = openSync(path, "r");
	try {
		const parts: Buffer[] = [];
		let from = size;
		let end = -1;
		while (from > 0) {
			const length = Math.min(chunk, from);
			from -= length;
			const part = Buffer.alloc(length);
			readSync(fd, part, 0, length, from);
			parts.unshift(part);
			const tail = Buffer.concat(parts);
			if (end < 0) {
				const cut = tail.lastIndexOf(10);
				if (cut < 0) continue;
				end = from + cut;
			}
			const start = tail.lastIndexOf(10, end - from - 1);
			if (start >= 0 || from === 0) {
				const begin = start >= 0 ? start + 1 : 0;
				return { line: tail.subarray(begin, end - from).toString("utf8"), bytes: end + 1 };
			}
		}
		return { bytes: 0 };
	} finally {
		closeSync(fd);
	}
}

/**
 * Readies `out` for a run: without `after` it must not hold groups already (so a backup is never
 * overwritten by mistake); with `after`, its last whole line must be that group. A line cut short
 * by the stop is removed. Answers an error to print, or undefined.
 */
export function prepareOut(out: string, after: string | undefined): string | undefined {
	if (!existsSync(out) || statSync(out).size === 0) return undefined;
	const { line, bytes } = lastCompleteLine(out);
	let last: string | undefined;
	try {
		last = line === undefined ? undefined : (JSON.parse(line) as { groupId?: string }).groupId;
	} catch {
		return `${out}: its last line is not JSON; it is no export file`;
	}
	if (after === undefined)
		return `${out} exists${last ? ` and ends with group ${last}: resume with --after ${last}` : ""}, or remove it first`;
	if (last !== after) return `${out} ends with group ${last ?? "(none)"}, not ${after}: resume with --after ${last ?? "…"}`;
	if (bytes < statSync(out).size) truncateSync(out, bytes);
	return undefined;
}
