import { DurableObject } from "cloudflare:workers";
import { readSettings } from "../config";
import { Answer } from "../protocol/answer";
import { ErrorCode, type Failure, fail, ok, type Outcome } from "../protocol/errors";
import { WebhookDelivery } from "../events/delivery";
import { EventLog, afterVersion } from "../events/history";
import { EventType, type GroupEvent, messagesOf } from "../events/messages";
import type { StarRtcNews } from "../starrtc/calls";
import { StarRtcDelivery } from "../starrtc/delivery";
import { tellStarRtc } from "../starrtc/teller";
import { IndexDelivery } from "../user-index/delivery";
import { Membership, type MemberState, type Page } from "../user-index/membership";
import {
	type Group,
	fromImport,
	join,
	leave,
	lists,
	memberPage,
	newGroup,
	permit,
	roster,
	sameContent,
	setDoNotDisturb,
	starRtcView,
} from "./group";
import { Outbox } from "./outbox";
import { ReplayCache } from "./replay";
import { GroupStorage } from "./storage";
import type {
	GroupInfo,
	GroupInit,
	GroupState,
	ImportResult,
	ImportedGroup,
	Member,
	MemberView,
	Origin,
	ReplayGuard,
	WebhookReport,
} from "./types";

/** A change's news for StarRTC: only the app's changes; StarRTC made the others itself. */
const told = (origin: Origin, news: StarRtcNews): StarRtcNews | undefined => (origin === "app" ? news : undefined);

/** Every member's state for the user index, as a whole group is written. */
const memberStates = (group: Group): MemberState[] =>
	[...group.members.keys()].map((id) => [id, group.doNotDisturb.has(id) ? Membership.InWithDnd : Membership.In]);

const unknownGroup = (): Failure => fail(ErrorCode.UnknownGroup, "no such group (never created, or deleted)");

/** The whole group, for the messages that carry it (group.created, group.imported). */
const whole = (group: Group) => ({
	name: group.name,
	creator: group.creator,
	createdAt: group.createdAt,
	doNotDisturb: group.doNotDisturb,
});
/** Who asked, as a message names them: a callback's requester; nobody for the app. */
const actorOf = (origin: Origin, requester: string): string | null => (origin === "starrtc" ? requester : null);

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
	readonly #index: IndexDelivery;
	readonly #starrtc: StarRtcDelivery;
	readonly #events: EventLog;
	readonly #replays: ReplayCache;
	/** undefined: not read yet; null: no group here (never created, or deleted). */
	#group: Group | null | undefined;
	/** Whether storage holds the tables: only once a group was created (or imported) here. */
	#hasTables: boolean;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.#storage = new GroupStorage(ctx.storage.sql);
		this.#replays = new ReplayCache(ctx.storage);
		const sql = ctx.storage.sql;
		this.#index = new IndexDelivery(sql, env);
		this.#starrtc = new StarRtcDelivery(sql, (news) => this.#tellStarRtc(news));
		this.#events = new EventLog(sql);
		const webhook = new WebhookDelivery(
			this.#events,
			env,
			() => this.ctx.id.name ?? "",
			() => this.#load() === null,
		);
		// Every destination outside the group; the registry (issue 23) joins this list.
		this.#outbox = new Outbox(ctx, [this.#index, this.#starrtc, webhook]);
		// A read: an object for a never-created group must leave no storage behind.
		this.#hasTables = this.#storage.hasTables();
		// Groups made by an earlier release get the newer tables here; for the rest this is a no-op.
		if (this.#hasTables) this.#makeTables();
	}

	// ---- StarRTC's callbacks (through the edge). ----

	/** Makes the group; repeating the same create (same createKey) changes nothing. */
	create(init: GroupInit): Outcome<void> {
		return this.#guarded(() => {
			const existing = this.#load();
			if (existing) {
				return existing.createKey === init.createKey
					? ok(undefined)
					: fail(ErrorCode.InternalError, `group ${init.groupId} already exists`);
			}
			const group = newGroup(init, Date.now());
			const states = init.members.map((id) => [id, Membership.In] as const);
			const event: GroupEvent = {
				type: EventType.Created,
				origin: init.origin,
				actor: actorOf(init.origin, init.creator),
				userIds: [...group.members.keys()],
				whole: whole(group),
			};
			this.#commit(group, () => this.#storeWhole(group), states, event, { news: told(init.origin, { op: "create" }) });
			this.#group = group;
			return ok(undefined);
		});
	}

	syncAll(): Outcome<Answer> {
		return this.#guarded(() => {
			const group = this.#load();
			return group ? ok(roster(group)) : unknownGroup();
		});
	}

	/** Adds who is not a member yet; with `sync`, answers with the roster right after. */
	addMembers(requester: string, users: readonly string[], sync: boolean, replay?: ReplayGuard): Outcome<Answer> {
		return this.#callback(replay, sync, (group) => {
			const { permissions, maxGroupMembers: limit } = readSettings(this.env);
			return permit(group, requester, permissions.add) ?? this.#add(group, users, limit, "starrtc", requester, replay);
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
			return denied ?? this.#remove(group, users, "starrtc", requester, replay);
		});
	}

	/** Sets or clears the requester's own "do not disturb" in this group. */
	setDoNotDisturb(requester: string, on: boolean, sync: boolean, replay?: ReplayGuard): Outcome<Answer> {
		return this.#callback(replay, sync, (group) => {
			if (!group.members.has(requester)) return fail(ErrorCode.NotAMember, "only a member can change their DND");
			return this.#setDnd(group, requester, on, "starrtc", requester, replay);
		});
	}

	/**
	 * Deletes the group; the id is never used again. Its members and info go at
	 * once; what stays is its version row (a tombstone, so that not even an
	 * import brings it back) and the outbox until it is delivered.
	 */
	deleteGroup(requester: string): Outcome<Answer> {
		return this.#guarded(() => {
			const group = this.#load();
			if (!group) return unknownGroup();
			const denied = permit(group, requester, readSettings(this.env).permissions.delete);
			if (denied) return denied;
			this.#delete(group, "starrtc", requester);
			return ok(Answer.done());
		});
	}

	// ---- The app's own changes (the admin API): no permission rules, and StarRTC is told. ----

	/** Adds who is not a member yet. */
	appAddMembers(users: readonly string[]): Outcome<GroupState> {
		return this.#appChange((group) => this.#add(group, users, readSettings(this.env).maxGroupMembers, "app", ""));
	}

	/** Removes who is a member; never the creator. */
	appRemoveMembers(users: readonly string[]): Outcome<GroupState> {
		return this.#appChange((group) =>
			users.includes(group.creator)
				? fail(ErrorCode.RemoveCreator, "the creator cannot be removed")
				: this.#remove(group, users, "app", ""),
		);
	}

	/** Sets or clears a member's DND. */
	appSetDoNotDisturb(userId: string, on: boolean): Outcome<GroupState> {
		return this.#appChange((group) =>
			group.members.has(userId) ? this.#setDnd(group, userId, on, "app", "") : fail(ErrorCode.NotAMember, `${userId} is not a member`),
		);
	}

	appDeleteGroup(): Outcome<GroupState> {
		return this.#appChange((group) => this.#delete(group, "app", ""));
	}

	/**
	 * Sends StarRTC's proxy the whole state now: before a message to a group groupServer
	 * does not hold, and an operator's resync. Sent as the outbox sends a create, so a
	 * callback during the call gets the state sent again; answers the version StarRTC
	 * now holds. Changes still waiting for StarRTC are then tried at once, not after
	 * their backoff: each is worked out from the group when sent, so after the whole
	 * state it repeats what StarRTC holds and never undoes it.
	 */
	async resyncStarRtc(): Promise<Outcome<{ version: number }>> {
		const { starrtcProxyUrl: proxyUrl, starrtcTimeoutMs: timeoutMs } = readSettings(this.env);
		const group = this.#guarded(() => this.#readable());
		if (!group.ok) return group;
		if (proxyUrl === undefined) return fail(ErrorCode.InternalError, "STARRTC_PROXY_URL is not set");
		const { groupId } = group.value;
		const error = await tellStarRtc({ op: "create" }, { groupId, proxyUrl, timeoutMs, view: () => this.#viewNow() });
		if (error !== undefined) return fail(ErrorCode.UpstreamFailure, error);
		if (this.#starrtc.waiting()) this.#outbox.kick();
		return ok({ version: this.#load()?.version ?? group.value.version });
	}

	// ---- Import from another AEC server. ----

	/**
	 * Imports a group from another AEC server under its own id (the admin import
	 * route). Same content again: nothing changes. Other content: a conflict,
	 * unless `overwrite`. A group deleted here never comes back. StarRTC is not
	 * told: it already holds these groups under these ids.
	 */
	importGroup(imported: ImportedGroup, overwrite: boolean): Outcome<ImportResult> {
		return this.#guarded<ImportResult>(() => {
			const existing = this.#load();
			if (!existing && this.#hasTables && this.#storage.hasVersion()) return ok({ result: "deleted", version: 0 });
			const group = fromImport(imported, existing);
			if (existing && sameContent(existing, group)) return ok({ result: "unchanged", version: existing.version });
			if (existing && !overwrite) return ok({ result: "conflict", version: existing.version });
			const leaving = existing ? [...existing.members.keys()].filter((id) => !group.members.has(id)) : [];
			const states = [...memberStates(group), ...leaving.map((id) => [id, Membership.Out] as const)];
			const event: GroupEvent = {
				type: EventType.Imported,
				origin: "import",
				actor: null,
				userIds: [...group.members.keys()],
				whole: whole(group),
				result: existing ? "replaced" : "created",
			};
			this.#commit(group, () => this.#storeWhole(group), states, event);
			this.#group = group;
			return ok({ result: existing ? "replaced" : "created", version: group.version });
		});
	}

	// ---- Reads (the API and the demo apps' URLs). ----

	/** The group's state as the admin API answers it. */
	state(): Outcome<GroupState> {
		return this.#appChange(() => ok(undefined));
	}

	/** The group's description, for the API. With `reader`, only a member may read it. */
	describe(reader?: string): Outcome<GroupInfo> {
		return this.#guarded(() => {
			const group = this.#readable(reader);
			if (!group.ok) return group;
			const { groupId, name, creator, createdAt, members, version } = group.value;
			const starrtc = { proxy: readSettings(this.env).starrtcProxyUrl !== undefined, ...this.#starrtc.status() };
			const webhook: WebhookReport = { on: readSettings(this.env).webhookUrl !== undefined, ...this.#events.status() };
			return ok({ groupId, name, creator, createdAt, memberCount: members.size, version, starrtc, webhook });
		});
	}

	/**
	 * The group's messages, oldest first, `limit` at a time (and at most about
	 * 1 MiB): after `after` (a version), or after `cursor` (a page's `next`).
	 * The app's only: a deleted group's history is gone with it.
	 */
	history(limit: number, after?: number, cursor?: number): Outcome<Page<string> & { version: number }> {
		return this.#guarded(() => {
			const group = this.#readable();
			if (!group.ok) return group;
			const page = this.#events.page(cursor ?? afterVersion(after ?? 0), limit);
			return ok({ ...page, version: group.value.version });
		});
	}

	/** Members in join order, `limit` at a time after the cursor `after` (a join number). */
	memberPage(limit: number, after: number, reader?: string): Outcome<Page<Member>> {
		return this.#guarded(() => {
			const group = this.#readable(reader);
			return group.ok ? ok(memberPage(group.value, limit, after)) : group;
		});
	}

	/** What members.php shows `userId`: the members, and their own DND. Members only. */
	memberView(userId: string): Outcome<MemberView> {
		return this.#guarded(() => {
			const group = this.#readable(userId);
			return group.ok ? ok({ userIdList: lists(group.value).groupList, isIgnore: group.value.doNotDisturb.has(userId) }) : group;
		});
	}

	/** The outbox's safety net: delivers what an immediate delivery could not (a crash, a failure). */
	override async alarm(): Promise<void> {
		await this.#outbox.alarm();
	}

	// ---- How a change is made: checked, then one commit, memory kept in step after it. ----

	/** A callback's change: a replay is answered as before; otherwise `change` decides. */
	#callback(replay: ReplayGuard | undefined, sync: boolean, change: (group: Group) => Outcome<void>): Outcome<Answer> {
		return this.#guarded(() => {
			const group = this.#load();
			if (!group) return unknownGroup();
			if (!this.#replays.isReplay(replay)) {
				const changed = change(group);
				if (!changed.ok) return changed;
			}
			return ok(sync ? roster(group) : Answer.done());
		});
	}

	#appChange(change: (group: Group) => Outcome<void>): Outcome<GroupState> {
		return this.#guarded(() => {
			const group = this.#load();
			if (!group) return unknownGroup();
			const changed = change(group);
			return changed.ok ? ok(this.#state(group)) : changed;
		});
	}

	#state(group: Group): GroupState {
		const proxy = readSettings(this.env).starrtcProxyUrl !== undefined;
		const memberCount = this.#group ? group.members.size : 0;
		const starrtc = !proxy ? "off" : this.#starrtc.status().pending ? "pending" : "told";
		return { groupId: group.groupId, memberCount, version: group.version, starrtc };
	}

	#add(group: Group, users: readonly string[], limit: number, origin: Origin, requester: string, replay?: ReplayGuard): Outcome<void> {
		const joining = users.filter((id) => !group.members.has(id));
		if (group.members.size + joining.length > limit) {
			return fail(ErrorCode.GroupFull, `${group.members.size} + ${joining.length} members is over the limit ${limit}`);
		}
		if (!joining.length) return ok(this.#replays.remember(replay));
		const states = joining.map((id) => [id, Membership.In] as const);
		const event: GroupEvent = { type: EventType.MembersAdded, origin, actor: actorOf(origin, requester), userIds: joining };
		this.#commit(group, () => this.#storage.addMembers(joining, group.nextJoin), states, event, {
			news: told(origin, { op: "members", users: joining }),
			replay,
		});
		return ok(join(group, joining));
	}

	#remove(group: Group, users: readonly string[], origin: Origin, requester: string, replay?: ReplayGuard): Outcome<void> {
		const leaving = users.filter((id) => group.members.has(id));
		if (!leaving.length) return ok(this.#replays.remember(replay));
		const states = leaving.map((id) => [id, Membership.Out] as const);
		const event: GroupEvent = { type: EventType.MembersRemoved, origin, actor: actorOf(origin, requester), userIds: leaving };
		this.#commit(group, () => this.#storage.removeMembers(leaving), states, event, {
			news: told(origin, { op: "members", users: leaving }),
			replay,
		});
		return ok(leave(group, leaving));
	}

	#setDnd(group: Group, userId: string, on: boolean, origin: Origin, requester: string, replay?: ReplayGuard): Outcome<void> {
		if (group.doNotDisturb.has(userId) === on) return ok(this.#replays.remember(replay));
		const states = [[userId, on ? Membership.InWithDnd : Membership.In] as const];
		const type = on ? EventType.DndOn : EventType.DndOff;
		const event: GroupEvent = { type, origin, actor: actorOf(origin, requester), userIds: [userId] };
		this.#commit(group, () => this.#storage.setDoNotDisturb(userId, on), states, event, {
			news: told(origin, { op: "dnd", users: [userId] }),
			replay,
		});
		return ok(setDoNotDisturb(group, userId, on));
	}

	#delete(group: Group, origin: Origin, requester: string): Outcome<void> {
		const states = [...group.members.keys()].map((id) => [id, Membership.Out] as const);
		const event: GroupEvent = { type: EventType.Deleted, origin, actor: actorOf(origin, requester), userIds: [...group.members.keys()] };
		this.#commit(group, () => this.#storage.erase(), states, event, { news: told(origin, { op: "delete" }), deleted: true });
		this.#group = null;
		return ok(undefined);
	}

	/**
	 * The one transaction rule: the change, the group's next version, its
	 * messages (for the webhook and the history), and the outbox rows it implies
	 * (the new state of every user it touched, for the user index; an app
	 * change's news, for StarRTC), all or nothing.
	 */
	#commit(
		group: Group,
		write: () => void,
		users: readonly MemberState[],
		event: GroupEvent,
		{ news, deleted = false, replay }: { news?: StarRtcNews; deleted?: boolean; replay?: ReplayGuard } = {},
	): void {
		const version = group.version + 1;
		const { starrtcProxyUrl, webhookUrl, eventHistoryDays } = readSettings(this.env);
		const hook = webhookUrl !== undefined;
		this.ctx.storage.transactionSync(() => {
			write();
			if (replay) this.#replays.record(replay);
			if (news && starrtcProxyUrl !== undefined) this.#starrtc.tell(version, news);
			this.#storage.setVersion(version);
			const { groupId, name, creator } = group;
			const at = Date.now();
			// Without a webhook, a message nobody may read (no history kept, or the group gone) is not written at all.
			if (hook || (eventHistoryDays > 0 && !deleted)) this.#events.record(messagesOf(groupId, version, at, event), hook);
			this.#events.prune(at, eventHistoryDays, deleted);
			this.#index.tell({ groupId, version, at, name, creator, deleted }, users);
		});
		group.version = version;
		this.#outbox.kick();
	}

	/** Inside a commit: the whole group over whatever was stored. */
	#storeWhole(group: Group): void {
		this.#makeTables();
		this.#storage.store(group);
	}

	#makeTables(): void {
		this.#storage.makeTables();
		this.#outbox.makeSchema();
		this.#hasTables = true;
	}

	/** The group, if it exists and `reader` (when given) is a member. */
	#readable(reader?: string): Outcome<Group> {
		const group = this.#load();
		if (!group) return unknownGroup();
		if (reader !== undefined && !group.members.has(reader)) return fail(ErrorCode.NotAMember, `${reader} is not a member`);
		return ok(group);
	}

	#load(): Group | null {
		if (this.#group === undefined) this.#group = this.#read();
		return this.#group;
	}

	#read(): Group | null {
		if (!this.#hasTables) return null;
		this.#outbox.resume();
		const stored = this.#storage.read();
		if (!stored) return null;
		const group: Group = { ...stored, version: stored.version ?? 0 };
		// A group made before the user index existed tells it (and the app's backend) everything once.
		if (stored.version === undefined) {
			const event: GroupEvent = {
				type: EventType.Created,
				origin: "starrtc",
				actor: null,
				userIds: [...group.members.keys()],
				whole: whole(group),
			};
			this.#commit(group, () => {}, memberStates(group), event);
		}
		return group;
	}

	/** Tells StarRTC one app-made change (the outbox's StarRTC sender). */
	async #tellStarRtc(news: StarRtcNews): Promise<string | undefined> {
		const { starrtcProxyUrl: proxyUrl, starrtcTimeoutMs: timeoutMs } = readSettings(this.env);
		if (proxyUrl === undefined) return undefined; // The proxy was switched off: nobody to tell.
		const groupId = this.ctx.id.name ?? "";
		return tellStarRtc(news, { groupId, proxyUrl, timeoutMs, view: () => this.#viewNow() });
	}

	#viewNow() {
		const group = this.#load();
		return group && starRtcView(group);
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
			this.#group = undefined;
			// A create that failed half way rolled its tables back too.
			this.#hasTables = this.#storage.hasTables();
			return fail(ErrorCode.InternalError, `group object: ${String(error)}`);
		}
	}
}
