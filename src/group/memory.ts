import type { Group } from "./group";
import type { Outbox } from "./outbox";
import type { GroupStorage } from "./storage";

/**
 * The group as the object holds it between calls: read from storage on first use,
 * kept in step by the object's commits, dropped when a write failed (SQLite rolled
 * it back, so storage is read again next time).
 */
export class GroupMemory {
	readonly #storage: GroupStorage;
	readonly #outbox: Outbox;
	/** A group from before versions were kept, just read: the object tells everyone of it once. */
	readonly #catchUp: (group: Group) => void;
	/** undefined: not read yet; null: no group here (never created, or deleted). */
	#group: Group | null | undefined;
	/** Whether storage holds the tables: only once a group was created (or imported) here. */
	#hasTables: boolean;

	constructor(storage: GroupStorage, outbox: Outbox, catchUp: (group: Group) => void) {
		this.#storage = storage;
		this.#outbox = outbox;
		this.#catchUp = catchUp;
		// A read: an object for a never-created group must leave no storage behind.
		this.#hasTables = storage.hasTables();
		// Groups made by an earlier release get the newer tables here; for the rest this is a no-op.
		if (this.#hasTables) this.makeTables();
	}

	get hasTables(): boolean {
		return this.#hasTables;
	}

	/** The group, reading it the first time; null when there is none. */
	load(): Group | null {
		if (this.#group === undefined) this.#group = this.#read();
		return this.#group;
	}

	/** The group as held now, without reading storage. */
	held(): Group | null | undefined {
		return this.#group;
	}

	/** After a commit: the group made, imported or deleted (null). */
	set(group: Group | null): void {
		this.#group = group;
	}

	/** Inside a commit that stores the whole group: its tables and the outbox's, made once. */
	makeTables(): void {
		this.#storage.makeTables();
		this.#outbox.makeSchema();
		this.#hasTables = true;
	}

	/** After a failed write: nothing held is trusted; a create that failed half way rolled its tables back too. */
	forget(): void {
		this.#group = undefined;
		this.#hasTables = this.#storage.hasTables();
	}

	#read(): Group | null {
		if (!this.#hasTables) return null;
		this.#outbox.resume();
		const stored = this.#storage.read();
		if (!stored) return null;
		const group: Group = { ...stored, version: stored.version ?? 0 };
		if (stored.version === undefined) this.#catchUp(group);
		return group;
	}
}
