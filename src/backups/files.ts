/** The nightly backup files in R2: their names and which are old enough to go. No I/O. */

/** `groups-<YYYY-MM-DD>.ndjson`, the UTC date the backup started. */
export const backupKey = (date: string) => `groups-${date}.ndjson`;

const KEY = /^groups-(\d{4}-\d{2}-\d{2})\.ndjson$/;

/** The UTC date of a time, as the file name has it. */
export const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** BACKUP_KEEP_DAYS: whole days from 0 (keep every file) to 3650; empty is the default 30; anything else undefined. */
export function keepDays(text: string | undefined): number | undefined {
	const value = (text ?? "").trim();
	if (value === "") return 30;
	if (!/^\d{1,4}$/.test(value) || Number(value) > 3650) return undefined;
	return Number(value);
}

/**
 * The backup files to delete on `today`: those dated `keep` days or more before
 * it. Only names this service writes; 0 keeps everything.
 */
export function expired(keys: readonly string[], today: string, keep: number): string[] {
	if (keep === 0) return [];
	const cutoff = dayOf(Date.parse(`${today}T00:00:00Z`) - keep * 86_400_000);
	return keys.filter((key) => {
		const date = key.match(KEY)?.[1];
		return date !== undefined && date <= cutoff;
	});
}
