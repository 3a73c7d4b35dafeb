import type { Group } from "./group";

// `members` is keyed by user id WITHOUT ROWID, so a single-member change writes
// one member row and no secondary index; join order lives in `joined` and is
// only sorted on when the object wakes. The schema is made by a create (or an
// import) only, so an object asked about a group that was never created writes
// nothing at all.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS group_info (
	singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
	group_id TEXT NOT NULL,
	creator TEXT NOT NULL,
	user_define_data TEXT NOT NULL,
	create_key TEXT NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS members (
	user_id TEXT PRIMARY KEY,
	joined INTEGER NOT NULL,
	dnd INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS group_version (
	singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
	version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS recent_callbacks (
	callback_key TEXT PRIMARY KEY,
	received_at INTEGER NOT NULL
) WITHOUT ROWID;
`;

/** A group as stored; `version` undefined for a group made before versions were kept. */
export type StoredGroup = Omit<Group, "version"> & { readonly version: number | undefined };

/**
 * The group's own tables: its info, its members and its version. The writes are
 * called inside the object's transaction; nothing here decides anything.
 */
export class GroupStorage {
	readonly #sql: SqlStorage;

	constructor(sql: SqlStorage) {
		this.#sql = sql;
	}

	/** Whether the tables exist: only once a group was created (or imported) here. A read. */
	hasTables(): boolean {
		return this.#sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'group_info'").toArray().length > 0;
	}

	makeTables(): void {
		this.#sql.exec(SCHEMA);
	}

	/** Whether a version was ever written: with no group stored, the tombstone of a deleted one. */
	hasVersion(): boolean {
		return this.#sql.exec("SELECT 1 FROM group_version").toArray().length > 0;
	}

	/** The stored group, or null when there is none (never created, or deleted). */
	read(): StoredGroup | null {
		const info = this.#info();
		if (!info) return null;
		const members = new Map<string, number>();
		const doNotDisturb = new Set<string>();
		let nextJoin = 0;
		const rows = this.#sql.exec<{ user_id: string; joined: number; dnd: number }>(
			"SELECT user_id, joined, dnd FROM members ORDER BY joined",
		);
		for (const row of rows) {
			members.set(row.user_id, row.joined);
			if (row.dnd) doNotDisturb.add(row.user_id);
			nextJoin = row.joined + 1;
		}
		const version = this.#sql.exec<{ version: number }>("SELECT version FROM group_version").toArray()[0]?.version;
		return {
			groupId: info.group_id,
			creator: info.creator,
			name: info.user_define_data,
			createdAt: info.created_at,
			createKey: info.create_key,
			version,
			members,
			doNotDisturb,
			nextJoin,
		};
	}

	/** Writes the whole group (its info and its members in join order) over whatever was stored. */
	store(group: Group): void {
		this.erase();
		this.#sql.exec(
			"INSERT INTO group_info VALUES (1, ?, ?, ?, ?, ?)",
			group.groupId,
			group.creator,
			group.name,
			group.createKey,
			group.createdAt,
		);
		for (const [id, joined] of group.members) {
			this.#sql.exec("INSERT INTO members VALUES (?, ?, ?)", id, joined, group.doNotDisturb.has(id) ? 1 : 0);
		}
	}

	addMembers(users: readonly string[], firstJoin: number): void {
		for (const [i, id] of users.entries()) this.#sql.exec("INSERT INTO members VALUES (?, ?, 0)", id, firstJoin + i);
	}

	removeMembers(users: readonly string[]): void {
		for (const id of users) this.#sql.exec("DELETE FROM members WHERE user_id = ?", id);
	}

	setDoNotDisturb(userId: string, on: boolean): void {
		this.#sql.exec("UPDATE members SET dnd = ? WHERE user_id = ?", on ? 1 : 0, userId);
	}

	/** Deletes the group's info and members; the version row stays. */
	erase(): void {
		this.#sql.exec("DELETE FROM members");
		this.#sql.exec("DELETE FROM group_info");
	}

	setVersion(version: number): void {
		this.#sql.exec("INSERT INTO group_version VALUES (1, ?) ON CONFLICT (singleton) DO UPDATE SET version = excluded.version", version);
	}

	#info() {
		return this.#sql
			.exec<{ group_id: string; creator: string; user_define_data: string; create_key: string; created_at: number }>(
				"SELECT group_id, creator, user_define_data, create_key, created_at FROM group_info",
			)
			.toArray()[0];
	}
}
