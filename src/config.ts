/**
 * The service's settings, read from the Worker's variables (wrangler.toml
 * `[vars]`, `.dev.vars`, or `wrangler secret put`). Each is documented in the
 * configuration table of docs/operations.md. A bad value is a deployment mistake:
 * it fails every callback with INTERNAL_ERROR (every API route with
 * BAD_CONFIGURATION) and a log line naming the variable, rather than silently
 * running with a policy nobody chose.
 */

import { type AddressRange, parseRanges } from "./shared/addresses";

/** Who may do something to a group. */
export type Role = "creator" | "member" | "anyone";

export interface Settings {
	readonly guardToken?: string;
	readonly allowUnsigned: boolean;
	/** Unset: no `ts` check and no replay cache. */
	readonly maxCallbackAgeSeconds?: number;
	/** When set, callbacks are taken only at the paths that hold it (edge/paths.ts). */
	readonly pathSecret?: string;
	/** When set, callbacks are taken only from these CF-Connecting-IP addresses. */
	readonly allowedAddresses?: readonly AddressRange[];
	readonly groupIdStart: number;
	readonly maxGroupMembers: number;
	readonly permissions: { readonly add: Role; readonly remove: Role; readonly delete: Role };
	readonly pushMode: string;
	readonly upstreamUrl?: string;
	readonly upstreamTimeoutMs: number;
	readonly indexShards: number;
	/** Off: changes write no outbox rows, so nothing feeds the user index (for measurement). */
	readonly userIndex: boolean;
	/** Group registry shards (`registry-<n>`): fixed once groups are registered. */
	readonly registryShards: number;
	readonly apiToken?: string;
	readonly userTokenSecret?: string;
	/** The demo apps' list.php / members.php answer without a token. */
	readonly publicReads: boolean;
	readonly corsOrigins: readonly string[];
	/** StarRTC's groupPushHttpProxy, told of every app-made change; unset: StarRTC learns at its next SYNC_ALL. */
	readonly starrtcProxyUrl?: string;
	readonly starrtcTimeoutMs: number;
	/** The operators' console at /console (static files; it calls /v1 with the API token). */
	readonly console: boolean;
	/** The app's webhook receiver: every group change is POSTed to it (docs/webhooks.md); unset: no webhooks. */
	readonly webhookUrl?: string;
	/** `whsec_` and the base64 of 24 to 64 bytes: the Standard Webhooks signing secret. */
	readonly webhookSecret?: string;
	readonly webhookTimeoutMs: number;
	/** How long each group keeps its messages for `GET /v1/groups/{id}/events`; 0: only until delivered. */
	readonly eventHistoryDays: number;
}

/**
 * The variables as the runtime hands them over: generated `Env` plus the secrets
 * and the optional rate-limit bindings (docs/operations.md "Rate limits"), which wrangler.toml
 * does not declare by default.
 */
export type SettingsSource = Omit<Env, "MAX_CALLBACK_AGE_SECONDS" | "AEC_ALLOWED_IPS"> & {
	GUARD_TOKEN?: string;
	AEC_PATH_SECRET?: string;
	MAX_CALLBACK_AGE_SECONDS?: string;
	AEC_ALLOWED_IPS?: string;
	API_TOKEN?: string;
	USER_TOKEN_SECRET?: string;
	WEBHOOK_SECRET?: string;
	CALLBACKS_PER_IP?: RateLimit;
	CALLBACKS_PER_GROUP?: RateLimit;
};

/** StarRTC's servers send `ts`, and clocks on both sides are NTP-synced: with a sign key, replays are bounded by default. */
const DEFAULT_MAX_CALLBACK_AGE_SECONDS = 300;

export class ConfigError extends Error {
	override name = "ConfigError";
	constructor(
		/** The variable at fault; /healthz names it, never its value. */
		readonly variable: string,
		message: string,
	) {
		super(message);
	}
}

function integer(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
	if (raw === undefined || raw.trim() === "") return fallback;
	const value = Number(raw);
	if (!Number.isSafeInteger(value) || value < min || value > max) {
		throw new ConfigError(name, `${name} must be an integer from ${min} to ${max}, not "${raw}"`);
	}
	return value;
}

function role(name: string, raw: string | undefined, fallback: Role): Role {
	if (raw === undefined || raw === "") return fallback;
	if (raw === "creator" || raw === "member" || raw === "anyone") return raw;
	throw new ConfigError(name, `${name} must be creator, member or anyone, not "${raw}"`);
}

function optional(raw: string | undefined): string | undefined {
	return raw === undefined || raw === "" ? undefined : raw;
}

/** A bearer secret: long enough that guessing it is hopeless. */
function secret(name: string, raw: string | undefined): string | undefined {
	const value = optional(raw);
	if (value !== undefined && value.length < 16) throw new ConfigError(name, `${name} must be at least 16 characters`);
	return value;
}

function flag(name: string, raw: string | undefined): boolean {
	if (raw === undefined || raw === "" || raw === "false") return false;
	if (raw === "true") return true;
	throw new ConfigError(name, `${name} must be "true" or "false", not "${raw}"`);
}

function onOff(name: string, raw: string | undefined): boolean {
	if (raw === undefined || raw === "" || raw === "on") return true;
	if (raw === "off") return false;
	throw new ConfigError(name, `${name} must be "on" or "off", not "${raw}"`);
}

/** The proxy's base URL; calls are `<url><name>`, so it ends with a slash. */
function proxyUrl(raw: string | undefined): string | undefined {
	const value = optional(raw);
	if (value === undefined) return undefined;
	if (!URL.canParse(value) || !["http:", "https:"].includes(new URL(value).protocol))
		throw new ConfigError("STARRTC_PROXY_URL", "STARRTC_PROXY_URL is not an http(s) URL");
	return value.endsWith("/") ? value : `${value}/`;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** The webhook receiver: https, or http on this machine's loopback (for local work). */
function webhookUrl(raw: string | undefined): string | undefined {
	const value = optional(raw);
	if (value === undefined) return undefined;
	const url = URL.canParse(value) ? new URL(value) : undefined;
	if (!url || !(url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK.has(url.hostname)))) {
		throw new ConfigError("WEBHOOK_URL", "WEBHOOK_URL must be an https URL (or http on 127.0.0.1, localhost or [::1])");
	}
	return value;
}

/** A Standard Webhooks secret: `whsec_` and base64 of 24 to 64 random bytes. Never echoed. */
function webhookSecret(raw: string | undefined, url: string | undefined): string | undefined {
	const value = optional(raw);
	if (value === undefined) {
		if (url !== undefined) throw new ConfigError("WEBHOOK_SECRET", "WEBHOOK_SECRET must be set when WEBHOOK_URL is");
		return undefined;
	}
	const key = value.startsWith("whsec_") ? value.slice(6) : "";
	let bytes = 0;
	try {
		bytes = /^[A-Za-z0-9+/]+={0,2}$/.test(key) ? atob(key).length : 0;
	} catch {}
	if (bytes < 24 || bytes > 64) throw new ConfigError("WEBHOOK_SECRET", "WEBHOOK_SECRET must be whsec_ and the base64 of 24 to 64 bytes");
	return value;
}

/** Comma-separated origins such as `https://app.example.com`; `*` allows any. */
function origins(raw: string | undefined): string[] {
	const list = (raw ?? "")
		.split(",")
		.map((entry) => entry.trim())
		.filter(Boolean);
	for (const origin of list) {
		if (origin !== "*" && (!URL.canParse(origin) || new URL(origin).origin !== origin)) {
			throw new ConfigError("API_CORS_ORIGINS", `API_CORS_ORIGINS: "${origin}" is not an origin like https://app.example.com`);
		}
	}
	return list;
}

function parseSettings(env: SettingsSource): Settings {
	const pushMode = optional(env.PUSH_MODE) ?? "2";
	if (!/^[0-3]$/.test(pushMode)) throw new ConfigError("PUSH_MODE", `PUSH_MODE must be 0, 1, 2 or 3, not "${pushMode}"`);
	const upstreamUrl = optional(env.UPSTREAM_AEC_URL);
	if (upstreamUrl !== undefined && !URL.canParse(upstreamUrl)) {
		throw new ConfigError("UPSTREAM_AEC_URL", "UPSTREAM_AEC_URL is not a URL");
	}
	const guardToken = optional(env.GUARD_TOKEN);
	// 0 turns the ts check and the replay cache off, for senders that put no `ts` in data.
	const maxAge = integer(
		"MAX_CALLBACK_AGE_SECONDS",
		env.MAX_CALLBACK_AGE_SECONDS,
		guardToken === undefined ? 0 : DEFAULT_MAX_CALLBACK_AGE_SECONDS,
		0,
		86400,
	);
	const pathSecret = optional(env.AEC_PATH_SECRET);
	if (pathSecret !== undefined && !/^[A-Za-z0-9._~-]{16,128}$/.test(pathSecret)) {
		// Never echo a secret, not even a bad one.
		throw new ConfigError("AEC_PATH_SECRET", "AEC_PATH_SECRET must be 16 to 128 of A-Z a-z 0-9 . _ ~ -");
	}
	const allowed = optional(env.AEC_ALLOWED_IPS?.trim());
	const allowedAddresses = allowed === undefined ? undefined : parseRanges(allowed);
	if (allowed !== undefined && allowedAddresses === undefined) {
		throw new ConfigError(
			"AEC_ALLOWED_IPS",
			`AEC_ALLOWED_IPS must be IPv4/IPv6 addresses or CIDR ranges, comma-separated, not "${allowed.slice(0, 200)}"`,
		);
	}
	const hookUrl = webhookUrl(env.WEBHOOK_URL);
	return {
		guardToken,
		allowUnsigned: env.ALLOW_UNSIGNED === "true",
		maxCallbackAgeSeconds: maxAge === 0 ? undefined : maxAge,
		pathSecret,
		allowedAddresses,
		groupIdStart: integer("GROUP_ID_START", env.GROUP_ID_START, 100000, 1, 2 ** 52),
		maxGroupMembers: integer("MAX_GROUP_MEMBERS", env.MAX_GROUP_MEMBERS, 20000, 1, 1_000_000),
		permissions: {
			add: role("ADD_PERMISSION", env.ADD_PERMISSION, "member"),
			remove: role("REMOVE_PERMISSION", env.REMOVE_PERMISSION, "creator"),
			delete: role("DELETE_PERMISSION", env.DELETE_PERMISSION, "creator"),
		},
		pushMode,
		upstreamUrl,
		upstreamTimeoutMs: integer("UPSTREAM_TIMEOUT_MS", env.UPSTREAM_TIMEOUT_MS, 5000, 1, 15000),
		indexShards: integer("INDEX_SHARDS", env.INDEX_SHARDS, 16, 1, 1024),
		userIndex: onOff("USER_INDEX_FEED", env.USER_INDEX_FEED),
		registryShards: integer("REGISTRY_SHARDS", env.REGISTRY_SHARDS, 4, 1, 64),
		apiToken: secret("API_TOKEN", env.API_TOKEN),
		userTokenSecret: secret("USER_TOKEN_SECRET", env.USER_TOKEN_SECRET),
		publicReads: flag("PUBLIC_READS", env.PUBLIC_READS),
		corsOrigins: origins(env.API_CORS_ORIGINS),
		starrtcProxyUrl: proxyUrl(env.STARRTC_PROXY_URL),
		starrtcTimeoutMs: integer("STARRTC_PROXY_TIMEOUT_MS", env.STARRTC_PROXY_TIMEOUT_MS, 5000, 100, 15000),
		console: onOff("CONSOLE", env.CONSOLE),
		webhookUrl: hookUrl,
		webhookSecret: webhookSecret(env.WEBHOOK_SECRET, hookUrl),
		webhookTimeoutMs: integer("WEBHOOK_TIMEOUT_MS", env.WEBHOOK_TIMEOUT_MS, 5000, 100, 15000),
		eventHistoryDays: integer("EVENT_HISTORY_DAYS", env.EVENT_HISTORY_DAYS, 30, 0, 3650),
	};
}

// The env object is the same for every request of an isolate: parse it once.
const parsed = new WeakMap<object, Settings>();

export function readSettings(env: SettingsSource): Settings {
	let settings = parsed.get(env);
	if (!settings) {
		settings = parseSettings(env);
		parsed.set(env, settings);
	}
	return settings;
}
