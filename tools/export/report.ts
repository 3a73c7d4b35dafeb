/** What an export run tells the operator at its end: the summary lines and the exit status. No I/O. */

export interface ExportRun {
	readonly listed: number;
	readonly written: number;
	readonly members: number;
	readonly bytes: number;
	/** Deleted between the list and their fetch (404): not in the file. */
	readonly skipped: readonly string[];
	/** The group that could not be fetched after every retry; nothing after it was written. */
	readonly failed?: { readonly groupId: string; readonly error: string };
	readonly interrupted: boolean;
	/** The last group written, to resume after. */
	readonly last?: string;
	readonly after?: string;
	readonly out?: string;
	readonly seconds: number;
}

export const ExitCode = { Done: 0, Failed: 1, Usage: 2, Interrupted: 130 } as const;

export function exportExitCode(run: Pick<ExportRun, "failed" | "interrupted">): number {
	return run.interrupted ? ExitCode.Interrupted : run.failed ? ExitCode.Failed : ExitCode.Done;
}

export function exportSummary(run: ExportRun): string[] {
	const lines: string[] = [];
	const row = (label: string, value: string | number) => lines.push(`  ${label.padEnd(22)} ${String(value).padStart(12)}`);
	lines.push(run.failed ? "\nexport stopped" : run.interrupted ? "\nexport interrupted" : "\nsummary");
	row("groups listed", run.listed);
	row("groups written", run.written);
	row("skipped (deleted)", run.skipped.length);
	row("members", run.members);
	row("bytes", run.bytes);
	row("time", `${run.seconds.toFixed(1)} s`);
	row("rate", `${(run.written / Math.max(run.seconds, 0.001)).toFixed(0)} groups/s`);
	if (run.skipped.length) lines.push(`deleted since the list, not exported: ${run.skipped.join(",")}`);
	if (run.failed) lines.push(`group ${run.failed.groupId} could not be read: ${run.failed.error}`);
	if (run.failed || run.interrupted) {
		const from = run.last ?? run.after;
		const again = run.out ? ` --out ${run.out}` : "";
		lines.push(from ? `resume with: --after ${from}${again}` : `nothing was written: run it again${again ? ` with${again}` : ""}`);
	}
	if (run.out) lines.push(`file: ${run.out}`);
	return lines;
}
