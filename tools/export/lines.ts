/** What one line of an export file is, and how to tell a good one. Shared by `npm run export` and the restore. */

export const GROUP_ID = /^[1-9][0-9]{0,15}$/;

export interface ExportedMember {
	readonly userId: string;
	readonly doNotDisturb: boolean;
	/** ISO time, or null for a member whose join time is not known (imported from the sample). */
	readonly joinedAt: string | null;
}

/** One group, as `GET /v1/groups/{id}/export` answers it and `PUT /v1/groups/{id}` takes it back. */
export interface ExportLine {
	readonly groupId: string;
	readonly name: string;
	readonly creator: string;
	readonly createdAt: string;
	readonly version: number;
	readonly members: readonly ExportedMember[];
}

/** Group ids compare as numbers; both are decimal without leading zeros, so by length, then text. */
export function compareIds(a: string, b: string): number {
	return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** Why `value` is no export line, or undefined. Checks the shape only; the server checks the ids' rules. */
export function lineProblem(value: unknown): string | undefined {
	if (typeof value !== "object" || value === null || Array.isArray(value)) return "not a JSON object";
	const line = value as Record<string, unknown>;
	if (typeof line.groupId !== "string" || !GROUP_ID.test(line.groupId)) return "groupId is not a group id";
	if (typeof line.creator !== "string" || line.creator === "") return "creator is missing";
	if (typeof line.name !== "string") return "name is not a string";
	if (typeof line.createdAt !== "string" || Number.isNaN(Date.parse(line.createdAt))) return "createdAt is not an ISO time";
	if (!Number.isSafeInteger(line.version) || (line.version as number) < 1) return "version is not a positive integer";
	if (!Array.isArray(line.members) || line.members.length === 0) return "members is not a non-empty list";
	const seen = new Set<string>();
	for (const [i, m] of (line.members as unknown[]).entries()) {
		const member = m as Record<string, unknown> | null;
		if (typeof member !== "object" || member === null || typeof member.userId !== "string" || member.userId === "")
			return `members[${i}] has no userId`;
		if (typeof member.doNotDisturb !== "boolean") return `members[${i}].doNotDisturb is not true or false`;
		if (member.joinedAt !== null && (typeof member.joinedAt !== "string" || Number.isNaN(Date.parse(member.joinedAt))))
			return `members[${i}].joinedAt is neither null nor an ISO time`;
		if (seen.has(member.userId)) return `members[${i}] repeats ${JSON.stringify(member.userId)}`;
		seen.add(member.userId);
	}
	return undefined;
}
