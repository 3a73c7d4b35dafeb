import type { WebhookStatus } from "../events/history";
import type { StarRtcStatus } from "../starrtc/delivery";

/** What the id counter hands over when it has minted an id for a new group. */
export interface GroupInit {
	readonly groupId: string;
	readonly creator: string;
	/** Join order; the creator first. */
	readonly members: readonly string[];
	readonly userDefineData: string;
	/** Identifies the create (callback data, or the app's Idempotency-Key), so a resent one finds its group. */
	readonly createKey: string;
	/** Who made it: StarRTC (a callback) already knows; a group the app made must be told to StarRTC. */
	readonly origin: Origin;
}

/** Where a change came from: a StarRTC callback (StarRTC applies it itself) or the app's backend (StarRTC must be told). */
export type Origin = "starrtc" | "app";

/**
 * With MAX_CALLBACK_AGE_SECONDS on, a mutating callback carries the digest of its
 * data: the group applies one data text once, and answers an exact repeat within
 * `keepMs` as a success without applying it.
 */
export interface ReplayGuard {
	readonly key: string;
	readonly keepMs: number;
}

/** A group as another AEC server held it, for the import route. */
export interface ImportedGroup {
	readonly groupId: string;
	readonly creator: string;
	readonly name: string;
	/** In their order there; the creator is put first, as on create. */
	readonly members: readonly string[];
	readonly doNotDisturb: readonly string[];
	readonly createdAt: number;
	/**
	 * Join times (ms, or null: unknown) of the members that came with one (an
	 * export line); the others join at the import time. Only given ones are
	 * compared when deciding "unchanged".
	 */
	readonly joinedAt?: ReadonlyMap<string, number | null>;
}

/**
 * created / replaced (with overwrite) / unchanged; conflict: other content is here;
 * deleted: the id was deleted here; revived: it was, and `revive` restored it over the tombstone.
 */
export interface ImportResult {
	readonly result: "created" | "replaced" | "unchanged" | "conflict" | "deleted" | "revived";
	readonly version: number;
}

/** How the import route may treat what is here: replace other content; restore over a deleted group's tombstone. */
export interface ImportMode {
	readonly overwrite: boolean;
	readonly revive: boolean;
}

/** One group as the export writes it: one line of an export file, and what the import route takes back. */
export interface GroupExport {
	readonly groupId: string;
	readonly name: string;
	readonly creator: string;
	/** ISO 8601. */
	readonly createdAt: string;
	readonly version: number;
	/** In join order; `joinedAt` ISO 8601, or null for members who joined before join times were kept. */
	readonly members: { readonly userId: string; readonly doNotDisturb: boolean; readonly joinedAt: string | null }[];
}

/** A group's state after an app change, as the admin API answers it. */
export interface GroupState {
	readonly groupId: string;
	readonly memberCount: number;
	readonly version: number;
	/** off: no STARRTC_PROXY_URL; pending: waiting in the outbox; told: StarRTC knows every change. */
	readonly starrtc: "off" | "pending" | "told";
}

/** What StarRTC has been told of the group, for `GET /v1/groups/{id}`. */
export interface StarRtcReport extends StarRtcStatus {
	readonly proxy: boolean;
}

/** What the app's webhook receiver has been sent of the group, for `GET /v1/groups/{id}`. */
export interface WebhookReport extends WebhookStatus {
	/** WEBHOOK_URL is set. */
	readonly on: boolean;
}

/** A group as the API describes it. */
export interface GroupInfo {
	readonly groupId: string;
	readonly name: string;
	readonly creator: string;
	readonly createdAt: number;
	readonly memberCount: number;
	/** Bumped by every change; what the user index has seen is at most this. */
	readonly version: number;
	readonly starrtc: StarRtcReport;
	readonly webhook: WebhookReport;
}

/** A member as the API lists them; `joinedAt` (ms) null when they joined before join times were kept. */
export interface Member {
	readonly userId: string;
	readonly doNotDisturb: boolean;
	readonly joinedAt: number | null;
}

/** What the StarRTC demo apps' members.php shows a member. */
export interface MemberView {
	readonly userIdList: string;
	readonly isIgnore: boolean;
}
