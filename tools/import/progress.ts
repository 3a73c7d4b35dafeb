/** The lines printed while a run goes: what was read, then how the writes advance. No I/O. */
import type { Selection } from "./select.ts";

export function readLine(read: { readonly groups: number; readonly userGroups: number }, selection: Selection, readMs: number): string {
	return `read ${read.groups} groups and ${read.userGroups} userGroup rows in ${(readMs / 1000).toFixed(1)} s; ${selection.groups.length} to import, ${selection.skippedIds.size} skipped`;
}

export interface Progress {
	readonly done: number;
	readonly total: number;
	readonly membersDone: number;
	readonly failed: number;
	readonly seconds: number;
	/** Counted when given (the export's groups deleted between the list and their fetch). */
	readonly skipped?: number;
}

/** Minutes:seconds. */
const clock = (s: number) => `${Math.floor(s / 60)}:${String(Math.round(s % 60)).padStart(2, "0")}`;

export function progressLine({ done, total, membersDone, failed, seconds, skipped }: Progress): string {
	const rate = done / Math.max(seconds, 0.001);
	const eta = rate > 0 ? (total - done) / rate : 0;
	const percent = ((100 * done) / Math.max(total, 1)).toFixed(1);
	return `groups ${done}/${total} (${percent}%)  ${rate.toFixed(0)} groups/s  ${(membersDone / Math.max(seconds, 0.001)).toFixed(0)} members/s  ETA ${clock(eta)}  failed ${failed}${skipped === undefined ? "" : `  skipped ${skipped}`}`;
}
