import { MAX_USER_DEFINE_DATA } from "../protocol/callback";
import { parseGroupId, parseUserId } from "../protocol/ids";
import { ApiError, ApiFailure } from "./errors";

/** Path, query and body values of the API, parsed by the same rules as the callbacks' ids; a bad one throws BAD_REQUEST. */
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

export { iso } from "../shared/time";

const badRequest = (message: string) => new ApiFailure(ApiError.BadRequest, message);

export function userIdParam(text: string | undefined, name = "userId"): string {
	const parsed = parseUserId(name, text ?? "");
	if (!parsed.ok) throw badRequest(parsed.reason);
	return parsed.value;
}
export function groupIdParam(text: string | undefined): string {
	const parsed = parseGroupId(text ?? "");
	if (!parsed.ok) throw badRequest(parsed.reason);
	return parsed.value;
}
export function limitParam(text: string | undefined): number {
	if (text === undefined) return DEFAULT_LIMIT;
	if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > MAX_LIMIT)
		throw badRequest(`limit must be an integer from 1 to ${MAX_LIMIT}`);
	return Number(text);
}

/** A page cursor: absent, or of the form a previous page returned. */
export function cursorParam(text: string | undefined, form: RegExp): string | undefined {
	if (text !== undefined && !form.test(text)) throw badRequest("cursor is not one this API returned");
	return text;
}

/** A JSON body's list of user ids: a non-empty array of valid ids; repeats merged, first-seen order kept. */
export function userIdsField(value: unknown, name = "userIds"): string[] {
	if (!Array.isArray(value) || value.length === 0) throw badRequest(`${name} must be a non-empty array of user ids`);
	const ids = new Set<string>();
	for (const item of value) ids.add(userIdParam(typeof item === "string" ? item : "", `an id in ${name}`));
	return [...ids];
}

/** The largest version a query names: versions of 2^37 and more would not fit a history cursor. */
const MAX_VERSION = 2 ** 37 - 1;

/** A group version in a query (`after`): absent, or an integer from 0. */
export function versionParam(text: string | undefined, name: string): number | undefined {
	if (text === undefined) return undefined;
	if (!/^\d{1,12}$/.test(text) || Number(text) > MAX_VERSION)
		throw badRequest(`${name} must be a version: an integer from 0 to ${MAX_VERSION}`);
	return Number(text);
}

/** An optional list of ids: absent or [] is empty. */
export function emptyOr(value: unknown, name: string): string[] {
	return value === undefined || (Array.isArray(value) && value.length === 0) ? [] : userIdsField(value, name);
}

const utf8 = new TextEncoder();

/** A group's name in a body: absent is "", else a string of at most 64 KiB. */
export function groupName(value: unknown): string {
	const name = value ?? "";
	if (typeof name !== "string" || utf8.encode(name).length > MAX_USER_DEFINE_DATA)
		throw badRequest("name must be a string of at most 64 KiB");
	return name;
}
