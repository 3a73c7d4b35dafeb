import { parseGroupId, parseUserId } from "../protocol/ids";
import { ApiError, ApiFailure } from "./errors";

/** Path, query and body values of the API, parsed by the same rules as the callbacks' ids. */
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

export const iso = (ms: number) => new Date(ms).toISOString();

export function userIdParam(text: string | undefined, name = "userId"): string | ApiFailure {
	const parsed = parseUserId(name, text ?? "");
	return parsed.ok ? parsed.value : new ApiFailure(ApiError.BadRequest, parsed.reason);
}
export function groupIdParam(text: string | undefined): string | ApiFailure {
	const parsed = parseGroupId(text ?? "");
	return parsed.ok ? parsed.value : new ApiFailure(ApiError.BadRequest, parsed.reason);
}
export function limitParam(text: string | undefined): number | ApiFailure {
	if (text === undefined) return DEFAULT_LIMIT;
	const limit = Number(text);
	return /^\d+$/.test(text) && limit >= 1 && limit <= MAX_LIMIT
		? limit
		: new ApiFailure(ApiError.BadRequest, `limit must be an integer from 1 to ${MAX_LIMIT}`);
}

/** A page cursor: absent, or of the form a previous page returned. */
export function cursorParam(text: string | undefined, form: RegExp): string | undefined | ApiFailure {
	return text === undefined || form.test(text) ? text : new ApiFailure(ApiError.BadRequest, "cursor is not one this API returned");
}

/** A JSON body's list of user ids: a non-empty array of valid ids; repeats merged, first-seen order kept. */
export function userIdsField(value: unknown, name = "userIds"): string[] | ApiFailure {
	if (!Array.isArray(value) || value.length === 0) return new ApiFailure(ApiError.BadRequest, `${name} must be a non-empty array of user ids`);
	const ids = new Set<string>();
	for (const item of value) {
		const id = userIdParam(typeof item === "string" ? item : "", `an id in ${name}`);
		if (id instanceof ApiFailure) return id;
		ids.add(id);
	}
	return [...ids];
}
