import {
	error,
	serverError,
	limit,
	cursor,
	groupId,
	json,
	body,
	userIds,
	userId,
	appOnly,
	state,
	changeRefusals,
	sent,
	message,
} from "./parts";

/** The export, the registry, the list, the app's changes, messages and this document. */
export const changePaths = {
	"/v1/groups/{groupId}/export": {
		get: {
			summary: "The whole group in one consistent snapshot (one line of an export file)",
			security: appOnly,
			parameters: [groupId],
			responses: {
				"200": json({ $ref: "#/components/schemas/GroupExport" }),
				"400": { ...error, description: "BAD_REQUEST: a malformed id" },
				"401": { ...error, description: "TOKEN_*" },
				"403": { ...error, description: "FORBIDDEN: a user token" },
				"404": { ...error, description: "UNKNOWN_GROUP" },
				...serverError,
			},
		},
	},
	"/v1/registry/backfill": {
		post: {
			summary: "Registers the groups of up to `count` ids from `from` in the group registry (groups stored by earlier releases)",
			security: appOnly,
			parameters: [
				{
					name: "from",
					in: "query",
					required: false,
					description: "the first id to walk (default GROUP_ID_START)",
					schema: { type: "string", pattern: "^[1-9][0-9]{0,15}$" },
				},
				{
					name: "count",
					in: "query",
					required: false,
					description: "how many ids to walk",
					schema: { type: "integer", minimum: 1, maximum: 500, default: 100 },
				},
			],
			responses: {
				"200": json({
					type: "object",
					required: ["from", "registered", "failed"],
					properties: {
						from: { type: "string" },
						to: { type: "string", description: "the last id walked; absent when from is above every id minted" },
						registered: { type: "integer", description: "groups found and sent to the registry" },
						failed: { type: "array", items: { type: "string" }, description: "ids whose object call failed: walk them again" },
						next: { type: "string", description: "the next call's from; absent once the highest id minted was walked" },
					},
				}),
				"400": { ...error, description: "BAD_REQUEST: a malformed from or count" },
				"401": { ...error, description: "TOKEN_*" },
				"403": { ...error, description: "FORBIDDEN: a user token" },
				...serverError,
			},
		},
	},
	"/v1/groups": {
		get: {
			summary: "Every group, in numeric id order, from the group registry",
			security: appOnly,
			parameters: [limit, { ...cursor, description: "The `next` of the previous page (opaque)" }],
			responses: {
				"200": json({
					type: "object",
					required: ["groups"],
					properties: {
						next: { type: "string" },
						groups: {
							type: "array",
							items: {
								type: "object",
								required: ["groupId", "name", "creator", "createdAt", "memberCount", "version"],
								properties: {
									groupId: { type: "string" },
									name: { type: "string" },
									creator: { type: "string" },
									createdAt: { type: "string", format: "date-time" },
									memberCount: { type: "integer" },
									version: { type: "integer", description: "the version the registry has seen (it follows each change within moments)" },
								},
							},
						},
					},
				}),
				"400": { ...error, description: "BAD_REQUEST: a malformed limit or cursor" },
				"401": { ...error, description: "TOKEN_*" },
				"403": { ...error, description: "FORBIDDEN: a user token" },
				...serverError,
			},
		},
		post: {
			summary: "Create a group (the creator first); an Idempotency-Key header makes a retry return the same group",
			security: appOnly,
			parameters: [
				{
					name: "Idempotency-Key",
					in: "header",
					required: false,
					description: "For 10 minutes: the same key with the same creator, members and name returns the same group; with others, 422",
					schema: { type: "string" },
				},
			],
			requestBody: body({ creator: { type: "string" }, members: userIds, name: { type: "string" } }, ["creator"]),
			responses: {
				"201": state,
				...changeRefusals,
				"422": { ...error, description: "IDEMPOTENCY_KEY_REUSED: the key came with another creator, members or name" },
				"503": { ...error, description: "GROUP_IDS_EXHAUSTED: every id up to MAX_GROUP_ID is taken" },
			},
		},
	},
	"/v1/groups/{groupId}/members/remove": {
		post: {
			summary: "Remove members",
			security: appOnly,
			parameters: [groupId],
			requestBody: body({ userIds }, ["userIds"]),
			responses: { "200": state, ...changeRefusals },
		},
	},
	"/v1/groups/{groupId}/members/{userId}": {
		delete: {
			summary: "Remove one member",
			security: appOnly,
			parameters: [groupId, userId],
			responses: { "200": state, ...changeRefusals },
		},
	},
	"/v1/groups/{groupId}/members/{userId}/dnd": {
		put: {
			summary: "Turn a member's DND on",
			security: appOnly,
			parameters: [groupId, userId],
			responses: { "200": state, ...changeRefusals },
		},
		delete: {
			summary: "Turn a member's DND off",
			security: appOnly,
			parameters: [groupId, userId],
			responses: { "200": state, ...changeRefusals },
		},
	},
	"/v1/groups/{groupId}/starrtc/resync": {
		post: {
			summary:
				"Send StarRTC's proxy the group's whole state now (syncGroupList), and try what waits in the outbox for StarRTC at once; no body",
			security: appOnly,
			parameters: [groupId],
			responses: {
				"200": json({
					type: "object",
					required: ["groupId", "version", "resynced"],
					properties: {
						groupId: { type: "string" },
						version: { type: "integer", description: "the group's version StarRTC now holds" },
						resynced: { const: true },
					},
				}),
				"400": { ...error, description: "BAD_REQUEST: a malformed group id" },
				"401": { ...error, description: "TOKEN_*" },
				"403": { ...error, description: "FORBIDDEN: a user token" },
				"404": { ...error, description: "UNKNOWN_GROUP (never created, or deleted)" },
				...serverError,
				"502": { ...error, description: "STARRTC_REFUSED: the proxy refused or was unreachable (its words in message)" },
				"503": { ...error, description: "STARRTC_PROXY_OFF: STARRTC_PROXY_URL is not set" },
			},
		},
	},
	"/v1/groups/{groupId}/messages": {
		post: {
			summary: "Push a message to the group's online members (pushGroupMsg), at once",
			security: appOnly,
			parameters: [groupId],
			requestBody: body(message, ["msg", "digest"]),
			responses: sent,
		},
	},
	"/v1/messages": {
		post: {
			summary: "Push a system message to users (pushSystemMsgToUsers), at once",
			security: appOnly,
			requestBody: body({ toUsers: userIds, ...message }, ["toUsers", "msg", "digest"]),
			responses: sent,
		},
	},
	"/v1/openapi.json": {
		get: { summary: "This document", security: [], responses: { "200": json({ type: "object" }) } },
	},
};
