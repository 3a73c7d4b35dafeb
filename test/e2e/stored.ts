import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";

/**
 * Calls `read` with each group object's SQLite database as `wrangler dev` left it in `persistTo`.
 *
 * After a SIGKILL the newest writes may sit only in the write-ahead log, with its shared-memory index
 * half written; a read-only open then refuses to recover it ("attempt to write a readonly database").
 * So each database is read from a copy of its file and log (never its -shm): opening the copy
 * replays the log exactly as the restarted runtime will, and the storage itself is left untouched.
 */
export function forEachGroupDatabase(persistTo: string, read: (db: DatabaseSync) => void): void {
	const dir = join(persistTo, "v3", "do", "starrtc-aec-groups-GroupObject");
	const scratch = mkdtempSync(join(tmpdir(), "aec-stored-"));
	try {
		for (const file of readdirSync(dir).filter((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite")) {
			const copy = join(scratch, file);
			copyFileSync(join(dir, file), copy);
			if (existsSync(join(dir, `${file}-wal`))) copyFileSync(join(dir, `${file}-wal`), `${copy}-wal`);
			const db = new DatabaseSync(copy);
			try {
				read(db);
			} finally {
				db.close();
			}
		}
	} finally {
		rmSync(scratch, { recursive: true, force: true });
	}
}
