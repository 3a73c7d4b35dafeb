import { DurableObject } from "cloudflare:workers";
import { readSettings } from "../config";
import { afterVersion } from "../events/history";
import { messagesOf } from "../events/messages";
import { Answer } from "../protocol/answer";
import { ErrorCode, type Failure, fail, ok, type Outcome } from "../protocol/errors";
import { resync } from "../starrtc/teller";
import type { Page } from "../user-index/membership";
import { addition, by, type Change, catchUp, creation, deletion, dndChange, importation, removal, theApp } from "./changes";
import { type Destinations, destinationsOf } from "./destinations";
import { exportOf } from "./export";
import { fromImport, type Group, lists, memberPage, newGroup, permit, roster, sameContent, sameJoinTimes } from "./group";
import { GroupMemory } from "./memory";
import { Outbox } from "./outbox";
import { ReplayCache } from "./replay";
import { GroupStorage } from "./storage";
import type {
	GroupInfo,
	GroupExport,
	GroupInit,
	GroupState,
	ImportedGroup,
	ImportMode,
	ImportResult,
	Member,
	MemberView,
	ReplayGuard,
	WebhookReport,
} from "./types";

const unknownGroup = (): Failure => fail(ErrorCode.UnknownGroup, "no such group (never created, or deleted)");

/**
 * One group, named by its groupId. Every method runs without an `await` between
 * reading and writing, so calls on one group never interleave, and each change is
 * one SQLite transaction: the change, its new version, its message for the
 * app's backend (webhook and history) and the outbox rows that tell the user
 * index (and StarRTC, for the app's changes), all or nothing. The outbox
 * delivers them afterwards.
 */
export class GroupObject extends DurableObject<Env> {
	readonly #storage: GroupStorage;
	readonly #outbox: Outbox;
	/** The outbox's destinations: the user index, StarRTC, the webhook (with the history), the registry. */
	readonly #to: Destinations;
	readonly #replays: ReplayCache;
	readonly #memory: GroupMemory;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.#storage = new GroupStorage(ctx.storage.sql);
		this.#replays = new ReplayCache(ctx.storage);
		this.#to = destinationsOf(ctx.storage.sql, env, this.#storage, {
			groupId: () => ctx.id.name ?? "",
			group: () => this.#memory.load(),
			// Memory is in step with storage once loaded; a deleted group's version is its tombstone's.
			version: () => this.#memory.held()?.version ?? this.#storage.version(),
		});
		this.#outbox = new Outbox(ctx, this.#to.all);
		// A group made before the user index existed tells it (and the app's backend) everything once.
		this.#memory = new GroupMemory(this.#storage, this.#outbox, (group) => this.#commit(group, catchUp(group)));
	}

	// ---- StarRTC's callbacks (through the edge). ----

	/** Makes the group; repeating the same create (same createKey) changes nothing. */
	create(init: GroupInit): Outcome<void> {
		return this.#guarded(() => {
			const existing = this.#memory.load();
			if (existing) {
				return existing.createKey === init.createKey
					? ok(undefined)
					: fail(ErrorCode.InternalError, `group ${init.groupId} already exists`);
			}
			const group = newGroup(init, Date.now());
			this.#commit(group, creation(group, init.origin));
			this.#memory.set(group);
			return ok(undefined);
		});
	}

	syncAll(): Outcome<Answer> {
		return this.#guarded(() => {
			const group = this.#memory.load();
			return group ? ok(roster(group)) : unknownGroup();
		});
	}

	/** Adds who is not a member yet; with `sync`, answers with the roster right after. */
	addMembers(requester: string, users: readonly string[], sync: boolean, replay?: ReplayGuard): Outcome<Answer> {
		return this.#callback(replay, sync, (group) => {
			const { permissions, maxGroupMembers: limit } = readSettings(this.env);
			return permit(group, requester, permissions.add) ?? addition(group, users, limit, by(requester));
		});
	}

	/**
	 * Removes who is a member. Anyone may remove themselves; removing others needs
	 * REMOVE_PERMISSION; nobody removes the creator.
	 */
	removeMembers(requester: string, users: readonly string[], sync: boolean, replay?: ReplayGuard): Outcome<Answer> {
		return this.#callback(replay, sync, (group) => {
			if (users.includes(group.creator)) return fail(ErrorCode.RemoveCreator, "the creator cannot be removed");
			// Anyone may remove themselves.
			const others = users.some((id) => id !== requester);
			const denied = others ? permit(group, requester, readSettings(this.env).permissions.remove) : undefined;
			return denied ?? ok(removal(group, users, by(requester)));
		});
	}

	/** Sets or clears the requester's own "do not disturb" in this group. */
	setDoNotDisturb(requester: string, on: boolean, sync: boolean, replay?: ReplayGuard): Outcome<Answer> {
		return this.#callback(replay, sync, (group) => {
			if (!group.members.has(requester)) return fail(ErrorCode.NotAMember, "only a member can change their DND");
			return ok(dndChange(group, requester, on, by(requester)));
		});
	}

	/**
	 * Deletes the group; the id is never used again. Its members and info go at
	 * once; what stays is its version row (a tombstone: only an operator's
	 * import with `revive` brings it back) and the outbox until it is delivered.
	 */
	deleteGroup(requester: string): Outcome<Answer> {
		return this.#guarded(() => {
			const group = this.#memory.load();
			if (!group) return unknownGroup();
			const denied = permit(group, requester, readSettings(this.env).permissions.delete);
			if (denied) return denied;
			this.#commit(group, deletion(group, by(requester)));
			return ok(Answer.done());
		});
	}

	// ---- The app's own changes (the admin API): no permission rules, and StarRTC is told. ----

	/** Adds who is not a member yet. */
	appAddMembers(users: readonly string[]): Outcome<GroupState> {
		return this.#appChange((group) => addition(group, users, readSettings(this.env).maxGroupMembers, theApp));
	}

	/** Removes who is a member; never the creator. */
	appRemoveMembers(users: readonly string[]): Outcome<GroupState> {
		return this.#appChange((group) =>
			users.includes(group.creator) ? fail(ErrorCode.RemoveCreator, "the creator cannot be removed") : ok(removal(group, users, theApp)),
		);
	}

	/** Sets or clears a member's DND. */
	appSetDoNotDisturb(userId: string, on: boolean): Outcome<GroupState> {
		return this.#appChange((group) =>
			group.members.has(userId) ? ok(dndChange(group, userId, on, theApp)) : fail(ErrorCode.NotAMember, `${userId} is not a member`),
		);
	}

	appDeleteGroup(): Outcome<GroupState> {
		return this.#appChange((group) => ok(deletion(group, theApp)));
	}

	/**
	 * Sends StarRTC's proxy the whole state now: before a message to a group groupServer
	 * does not hold, and an operator's resync (starrtc/teller.ts). Answers the version
	 * StarRTC now holds. Changes still waiting for StarRTC are then tried at once, not
	 * after their backoff: each is worked out from the group when sent, so after the
	 * whole state it repeats what StarRTC holds and never undoes it.
	 */
	async resyncStarRtc(): Promise<Outcome<{ version: number }>> {
		const read = this.#reading(undefined, ({ groupId, version }) => ({ groupId, version }));
		if (!read.ok) return read;
		const sent = await resync(this.env, read.value.groupId, this.#to.starrtcView);
		if (!sent.ok) return sent;
		if (this.#to.starrtc.waiting()) this.#outbox.kick();
		return ok({ version: this.#memory.load()?.version ?? read.value.version });
	}

	// ---- Import from another AEC server. ----

	/**
	 * Imports a group from another AEC server under its own id, or an export line
	 * back (the admin import route). Same content again (join times too, where
	 * given): nothing changes. Other content: a conflict, unless `overwrite`. A
	 * group deleted here comes back only with `revive` (an operator restoring a
	 * backup), its version going on from the tombstone's. StarRTC is not told: it
	 * already holds these groups under these ids.
	 */
	importGroup(imported: ImportedGroup, { overwrite, revive }: ImportMode): Outcome<ImportResult> {
		return this.#guarded<ImportResult>(() => {
			const existing = this.#memory.load();
			const tombstone = !existing && this.#memory.hasTables && this.#storage.hasVersion();
			if (tombstone && !revive) return ok({ result: "deleted", version: 0 });
			const group = fromImport(imported, existing);
			const given = imported.joinedAt;
			const same = existing && sameContent(existing, group);
			if (same && (!given?.size || sameJoinTimes(this.#storage.joinTimes([...given.keys()]), given))) {
				return ok({ result: "unchanged", version: existing.version });
			}
			if (existing && !overwrite) return ok({ result: "conflict", version: existing.version });
			// Revived: newer than the tombstone, so the user index, the registry and webhook receivers take it.
			if (tombstone) group.version = this.#storage.version();
			this.#commit(group, importation(group, existing, imported, tombstone));
			this.#memory.set(group);
			return ok({ result: tombstone ? "revived" : existing ? "replaced" : "created", version: group.version });
		});
	}

	// ---- Export and the group registry. ----

	/** The whole group in one snapshot: one line of an export file (`GET /v1/groups/{id}/export`). */
	exportGroup(): Outcome<GroupExport> {
		return this.#reading(undefined, (group) => exportOf(group, this.#storage));
	}

	/**
	 * The registry backfill's call: the group (if there is one) sends its summary to
	 * the registry again, through its outbox. True when there is a group here.
	 */
	register(): Outcome<boolean> {
		return this.#guarded(() => {
			const group = this.#memory.load();
			if (!group) return ok(false);
			this.#to.registry.resend();
			this.#outbox.kick();
			return ok(true);
		});
	}

	// ---- Reads (the API and the demo apps' URLs). ----

	/** The group's state as the admin API answers it. */
	state(): Outcome<GroupState> {
		return this.#appChange(() => ok(undefined));
	}

	/** The group's description, for the API. With `reader`, only a member may read it. */
	describe(reader?: string): Outcome<GroupInfo> {
		return this.#reading(reader, ({ groupId, name, creator, createdAt, members, version }) => {
			const starrtc = { proxy: readSettings(this.env).starrtcProxyUrl !== undefined, ...this.#to.starrtc.status() };
			const webhook: WebhookReport = { on: readSettings(this.env).webhookUrl !== undefined, ...this.#to.events.status() };
			return { groupId, name, creator, createdAt, memberCount: members.size, version, starrtc, webhook };
		});
	}

	/**
	 * The group's messages, oldest first, `limit` at a time (and at most about
	 * 1 MiB): after `after` (a version), or after `cursor` (a page's `next`).
	 * The app's only: a deleted group's history is gone with it.
	 */
	history(limit: number, after?: number, cursor?: number): Outcome<Page<string> & { version: number }> {
		return this.#reading(undefined, ({ version }) => ({ ...this.#to.events.page(cursor ?? afterVersion(after ?? 0), limit), version }));
	}

	/** Members in join order, `limit` at a time after the cursor `after` (a join number). */
	memberPage(limit: number, after: number, reader?: string): Outcome<Page<Member>> {
		return this.#reading(reader, (group) => memberPage(group, limit, after, (users) => this.#storage.joinTimes(users)));
	}

	/** What members.php shows `userId`: the members, and their own DND. Members only. */
	memberView(userId: string): Outcome<MemberView> {
		return this.#reading(userId, (group) => ({ userIdList: lists(group).groupList, isIgnore: group.doNotDisturb.has(userId) }));
	}

	/** The outbox's safety net: delivers what an immediate delivery could not (a crash, a failure). */
	override async alarm(): Promise<void> {
		await this.#outbox.alarm();
	}

	// ---- How a change is made: checked, then one commit, memory kept in step after it. ----

	/** A callback's change: a replay is answered as before; otherwise `change` decides what to commit, if anything. */
	#callback(replay: ReplayGuard | undefined, sync: boolean, change: (group: Group) => Outcome<Change | undefined>): Outcome<Answer> {
		return this.#guarded(() => {
			const group = this.#memory.load();
			if (!group) return unknownGroup();
			if (!this.#replays.isReplay(replay)) {
				const changed = change(group);
				if (!changed.ok) return changed;
				if (changed.value) this.#commit(group, changed.value, replay);
				else this.#replays.remember(replay);
			}
			return ok(sync ? roster(group) : Answer.done());
		});
	}

	#appChange(change: (group: Group) => Outcome<Change | undefined>): Outcome<GroupState> {
		return this.#guarded(() => {
			const group = this.#memory.load();
			if (!group) return unknownGroup();
			const changed = change(group);
			if (!changed.ok) return changed;
			if (changed.value) this.#commit(group, changed.value);
			return ok(this.#state(group));
		});
	}

	#state(group: Group): GroupState {
		const proxy = readSettings(this.env).starrtcProxyUrl !== undefined;
		const memberCount = this.#memory.held() ? group.members.size : 0;
		const starrtc = !proxy ? "off" : this.#to.starrtc.status().pending ? "pending" : "told";
		return { groupId: group.groupId, memberCount, version: group.version, starrtc };
	}

	/**
	 * The one transaction rule: the change, the group's next version, its
	 * messages (for the webhook and the history), and the outbox rows it implies
	 * (the new state of every user it touched, for the user index; an app
	 * change's news, for StarRTC), all or nothing. Memory follows after.
	 */
	#commit(group: Group, change: Change, replay?: ReplayGuard): void {
		const version = group.version + 1;
		const { starrtcProxyUrl, webhookUrl, eventHistoryDays } = readSettings(this.env);
		const { store, joinedAt, write, users, event, news, deleted = false } = change;
		const hook = webhookUrl !== undefined;
		this.ctx.storage.transactionSync(() => {
			const at = Date.now();
			if (store) {
				this.#memory.makeTables();
				this.#storage.store(store, joinedAt && ((id) => joinedAt(id, at)));
			}
			write?.(this.#storage, at);
			if (replay) this.#replays.record(replay);
			if (news && starrtcProxyUrl !== undefined) this.#to.starrtc.tell(version, news);
			this.#storage.setVersion(version);
			const { groupId, name, creator } = group;
			// Without a webhook, a message nobody may read (no history kept, or the group gone) is not written at all.
			if (hook || (eventHistoryDays > 0 && !deleted)) this.#to.events.record(messagesOf(groupId, version, at, event), hook);
			this.#to.events.prune(at, eventHistoryDays, deleted);
			this.#to.index.tell({ groupId, version, at, name, creator, deleted }, users);
		});
		group.version = version;
		change.apply?.(group);
		if (deleted) this.#memory.set(null);
		this.#outbox.kick();
	}

	/** A read of the group, if it exists and `reader` (when given) is a member. */
	#reading<T>(reader: string | undefined, read: (group: Group) => T): Outcome<T> {
		return this.#guarded(() => {
			const group = this.#memory.load();
			if (!group) return unknownGroup();
			if (reader !== undefined && !group.members.has(reader)) return fail(ErrorCode.NotAMember, `${reader} is not a member`);
			return ok(read(group));
		});
	}

	/**
	 * Runs a method so that nothing unexpected crosses RPC as a thrown error: the
	 * edge gets INTERNAL_ERROR as a value. A failed write was rolled back by
	 * SQLite, so what memory holds is dropped and storage is read again next time.
	 */
	#guarded<T>(method: () => Outcome<T>): Outcome<T> {
		try {
			return method();
		} catch (error) {
			this.#memory.forget();
			return fail(ErrorCode.InternalError, `group object: ${String(error)}`);
		}
	}
}
