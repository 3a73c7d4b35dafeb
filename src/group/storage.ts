import type { Group } from "./group";

// `members` is keyed by user id WITHOUT ROWID, so a single-member change writes
// one member row and no secondary index; join order lives in `joined` and is
// only sorted on when the object wakes. `joined_at` (ms) is read only by the
// member pages and the export, so memory does not hold it; it is null for
// members of groups made before join times were kept. The schema is made by a create (or an
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
	dnd INTEGER NOT NULL DEFAULT 0,
	joined_at INTEGER
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

/** A member's join time (ms), or null: joined before join times were kept. */
export type JoinTime = number | null;

/** A member as the export reads them, in join order. */
export interface StoredMember {
	readonly userId: string;
	readonly doNotDisturb: boolean;
	readonly joinedAt: JoinTime;
}

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
		// Groups made by earlier releases lack the column: their members' join times are unknown (null).
		if (!this.#sql.exec("SELECT 1 FROM pragma_table_info('members') WHERE name = 'joined_at'").toArray().length) {
			this.#sql.exec("ALTER TABLE members ADD COLUMN joined_at INTEGER");
		}
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

	/** The version row: with no group stored, the tombstone's version; 0 when none was written. */
	version(): number {
		return this.#sql.exec<{ version: number }>("SELECT version FROM group_version").toArray()[0]?.version ?? 0;
	}

	/**
	 * Writes the whole group (its info and its members in join order) over whatever
	 * was stored; each member joined at `joinedAt(id)` (the creation time unless told).
	 */
	store(group: Group, joinedAt: (userId: string) => JoinTime = () => group.createdAt): void {
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
			this.#sql.exec(
				"INSERT INTO members (user_id, joined, dnd, joined_at) VALUES (?, ?, ?, ?)",
				id,
				joined,
				group.doNotDisturb.has(id) ? 1 : 0,
				joinedAt(id),
			);
		}
	}

	/** New members, joining at `at` (ms), numbered from `firstJoin` in the order given. */
	addMembers(users: readonly string[], firstJoin: number, at: number = Date.now()): void {
		for (const [i, id] of users.entries()) {
			this.#sql.exec("INSERT INTO members (user_id, joined, dnd, joined_at) VALUES (?, ?, 0, ?)", id, firstJoin + i, at);
		}
	}

	/** The join times of some members (a page's, at most a thousand), by the primary key. */
	joinTimes(users: readonly string[]): Map<string, JoinTime> {
		const rows = this.#sql.exec<{ user_id: string; joined_at: JoinTime }>(
			"SELECT user_id, joined_at FROM members WHERE user_id IN (SELECT value FROM json_each(?))",
			JSON.stringify(users),
		);
		return new Map([...rows].map((row) => [row.user_id, row.joined_at]));
	}

	/** Every member in join order, with DND and join time: one read, for the export. */
	members(): StoredMember[] {
		return this.#sql
			.exec<{ user_id: string; dnd: number; joined_at: JoinTime }>("SELECT user_id, dnd, joined_at FROM members ORDER BY joined")
			.toArray()
			.map((row) => ({ userId: row.user_id, doNotDisturb: row.dnd === 1, joinedAt: row.joined_at }));
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
