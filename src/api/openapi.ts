/**
 * The /v1 API, described once by hand: a generator (zod-openapi) would triple
 * the Worker's size for these routes. test/api/openapi.test.ts checks that every
 * route here exists in the app and every /v1 route of the app is here.
 */
const error = {
	description: "A JSON error body",
	content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
};
const serverError = {
	"500": { ...error, description: "BAD_CONFIGURATION (a bad setting; GET /healthz names it) or INTERNAL_ERROR" },
};
const refusals = {
	"400": { ...error, description: "BAD_REQUEST: a malformed id, limit or cursor" },
	"401": { ...error, description: "TOKEN_*: no, a malformed, expired, wrongly signed or non-HS256 token" },
	"403": { ...error, description: "FORBIDDEN (another user's data) or NOT_A_MEMBER" },
	...serverError,
};
const bearer = [{ apiToken: [] }, { userToken: [] }];
const limit = {
	name: "limit",
	in: "query",
	required: false,
	schema: { type: "integer", minimum: 1, maximum: 1000, default: 100 },
};
const cursor = {
	name: "cursor",
	in: "query",
	required: false,
	description: "The `next` of the previous page",
	schema: { type: "string" },
};
const groupId = {
	name: "groupId",
	in: "path",
	required: true,
	description: "A decimal integer from 1 to 9007199254740991 (MAX_GROUP_ID)",
	schema: { type: "string", pattern: "^[1-9][0-9]{0,15}$" },
};
const json = (schema: object) => ({ description: "OK", content: { "application/json": { schema } } });
const body = (properties: Record<string, object>, required: string[]) => ({
	required: true,
	content: { "application/json": { schema: { type: "object", required, properties } } },
});
const userIds = { type: "array", items: { type: "string" }, minItems: 1 };
const userId = { name: "userId", in: "path", required: true, schema: { type: "string" } };
const appOnly = [{ apiToken: [] }];
const state = json({ $ref: "#/components/schemas/GroupState" });
const changeRefusals = {
	"400": { ...error, description: "BAD_REQUEST" },
	"401": { ...error, description: "TOKEN_*" },
	"403": { ...error, description: "FORBIDDEN: a user token" },
	"404": { ...error, description: "UNKNOWN_GROUP, or NO_SUCH_MEMBER for DND" },
	"409": { ...error, description: "GROUP_FULL or REMOVE_CREATOR" },
	...serverError,
};
const sent = {
	"200": json({ type: "object", properties: { sent: { type: "boolean" } } }),
	"400": { ...error, description: "BAD_REQUEST (msg over 8192 bytes, no digest, …)" },
	"401": { ...error, description: "TOKEN_*" },
	"403": { ...error, description: "FORBIDDEN: a user token" },
	"404": { ...error, description: "UNKNOWN_GROUP (a group's message)" },
	...serverError,
	"502": { ...error, description: "STARRTC_REFUSED: the proxy's verdict" },
	"503": { ...error, description: "STARRTC_PROXY_OFF" },
};
const message = { msg: { type: "string", description: "at most 8192 bytes of UTF-8" }, digest: { type: "string" } };

/** The webhook messages (docs/webhooks.md): what each type says, for the `webhooks` section. */
const messageTypes: Record<string, string> = {
	"group.created":
		"A group was made (by a callback, the app, or announced once by a group stored before versions were kept): its whole state. `userIds` are its members in join order (this part's), the creator first; `doNotDisturb` is empty",
	"group.members_added": "Members joined: `userIds`, in join order",
	"group.members_removed": "Members left or were removed: `userIds`",
	"group.dnd_on": "`userIds` (one member) turned do-not-disturb on",
	"group.dnd_off": "`userIds` (one member) turned do-not-disturb off",
	"group.deleted":
		"The group was deleted; `userIds` are who were its members. Its id is never used for another group; only an operator restoring a backup (`?revive=true`) brings it back, as group.imported with a higher version",
	"group.imported":
		"`PUT /v1/groups/{id}` created or replaced the group, or revived a deleted one from a backup (`result`): its whole state, which replaces whatever the receiver held. `userIds` in join order (this part's), `doNotDisturb` those of them with DND on",
};
const signatureHeaders = [
	{
		name: "webhook-id",
		in: "header",
		required: true,
		description: "The message's id: the same on every try; drop a repeat",
		schema: { type: "string" },
	},
	{
		name: "webhook-timestamp",
		in: "header",
		required: true,
		description: "This try's time, seconds since 1970",
		schema: { type: "string" },
	},
	{
		name: "webhook-signature",
		in: "header",
		required: true,
		description:
			"`v1,` and base64 HMAC-SHA256 of `<webhook-id>.<webhook-timestamp>.<body>` keyed by WEBHOOK_SECRET's bytes after `whsec_` (Standard Webhooks)",
		schema: { type: "string" },
	},
];
const webhooks = Object.fromEntries(
	Object.entries(messageTypes).map(([type, description]) => [
		type,
		{
			post: {
				summary: description,
				description:
					"Sent to WEBHOOK_URL for each committed change, one at a time per group in version (and part) order: the next only once this one was answered 2xx. Other answers, time-outs and network errors are tried again with backoff for 3 days, then given up.",
				parameters: signatureHeaders,
				requestBody: {
					required: true,
					content: {
						"application/json": {
							schema: { allOf: [{ $ref: "#/components/schemas/EventMessage" }, { type: "object", properties: { type: { const: type } } }] },
						},
					},
				},
				responses: {
					"2XX": { description: "Acknowledged: the group's next message may be sent" },
					default: { description: "Not acknowledged: sent again later, with the same webhook-id" },
				},
			},
		},
	]),
);

export const openApiDocument = {
	openapi: "3.1.0",
	info: {
		title: "starrtc-aec-groups",
		version: "1",
		description:
			"Reads and changes of a StarRTC app's groups, and the webhook messages of every change (`webhooks`; docs/webhooks.md). The app's backend uses `Bearer <API_TOKEN>`; an end user uses `Bearer <JWT>` (HS256, signed with USER_TOKEN_SECRET, `sub` = user id, `exp` required) and reads only their own groups and groups they are in.",
	},
	components: {
		securitySchemes: {
			apiToken: { type: "http", scheme: "bearer", description: "API_TOKEN: reads everything" },
			userToken: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "An end user's token" },
		},
		schemas: {
			GroupState: {
				type: "object",
				required: ["groupId", "memberCount", "version", "starrtc"],
				properties: {
					groupId: { type: "string" },
					memberCount: { type: "integer" },
					version: { type: "integer" },
					starrtc: { enum: ["off", "pending", "told"], description: "what StarRTC's proxy has been told; the answer never waits for it" },
				},
			},
			EventMessage: {
				type: "object",
				description: "A group change as the webhook sends it and the history keeps it (Standard Webhooks body)",
				required: ["type", "timestamp", "data"],
				properties: {
					type: { enum: Object.keys(messageTypes) },
					timestamp: { type: "string", format: "date-time", description: "when the change committed" },
					data: {
						type: "object",
						required: ["groupId", "version", "part", "parts", "origin", "actor", "userIds"],
						properties: {
							groupId: { type: "string" },
							version: { type: "integer", description: "the group's version right after the change; every part of a change has the same" },
							part: { type: "integer", minimum: 1, description: "a change concerning more than 500 users comes in parts of 500, in order" },
							parts: { type: "integer", minimum: 1 },
							origin: { enum: ["starrtc", "app", "import"], description: "a StarRTC callback, the app's API, or an import" },
							actor: { type: ["string", "null"], description: "the user whose callback made the change; null for the app and an import" },
							userIds: { type: "array", items: { type: "string" }, maxItems: 500, description: "the users the change concerns" },
							name: { type: "string", description: "group.created and group.imported" },
							creator: { type: "string", description: "group.created and group.imported" },
							createdAt: { type: "string", format: "date-time", description: "group.created and group.imported" },
							doNotDisturb: {
								type: "array",
								items: { type: "string" },
								description: "group.created and group.imported: those of userIds with DND on",
							},
							result: { enum: ["created", "replaced", "revived"], description: "group.imported" },
						},
					},
				},
			},
			Member: {
				type: "object",
				required: ["userId", "doNotDisturb", "joinedAt"],
				properties: {
					userId: { type: "string" },
					doNotDisturb: { type: "boolean" },
					joinedAt: {
						type: ["string", "null"],
						format: "date-time",
						description: "when they joined; null for members who joined before join times were kept",
					},
				},
			},
			GroupExport: {
				type: "object",
				description: "One group in one consistent snapshot: one line of an export file, taken back as is by PUT /v1/groups/{groupId}",
				required: ["groupId", "name", "creator", "createdAt", "version", "members"],
				properties: {
					groupId: { type: "string" },
					name: { type: "string" },
					creator: { type: "string" },
					createdAt: { type: "string", format: "date-time" },
					version: { type: "integer" },
					members: { type: "array", items: { $ref: "#/components/schemas/Member" }, description: "in join order, the creator first" },
				},
			},
			Error: {
				type: "object",
				required: ["error"],
				properties: {
					error: {
						type: "object",
						required: ["code", "message"],
						properties: { code: { type: "string" }, message: { type: "string" } },
					},
				},
			},
		},
	},
	paths: {
		"/v1/users/{userId}/groups": {
			get: {
				summary: "The groups a user is in, in the order they joined them",
				security: bearer,
				parameters: [{ name: "userId", in: "path", required: true, schema: { type: "string" } }, limit, cursor],
				responses: {
					"200": json({
						type: "object",
						required: ["userId", "groups"],
						properties: {
							userId: { type: "string" },
							next: { type: "string" },
							groups: {
								type: "array",
								items: {
									type: "object",
									required: ["groupId", "name", "creator", "doNotDisturb", "joinedAt"],
									properties: {
										groupId: { type: "string" },
										name: { type: "string" },
										creator: { type: "string" },
										doNotDisturb: { type: "boolean" },
										joinedAt: { type: "string", format: "date-time" },
									},
								},
							},
						},
					}),
					...refusals,
				},
			},
		},
		"/v1/groups/{groupId}": {
			put: {
				summary: "Import a group from another AEC server under its own id, or restore an export line; ids minted here stay above it",
				security: appOnly,
				parameters: [
					groupId,
					{ name: "overwrite", in: "query", required: false, description: "replace other content here", schema: { type: "boolean" } },
					{
						name: "revive",
						in: "query",
						required: false,
						description: "restore a group deleted here (an operator restoring a backup); its version goes on from the deletion's",
						schema: { type: "boolean" },
					},
				],
				requestBody: body(
					{
						groupId: { type: "string", description: "optional; when given, the path's" },
						creator: { type: "string" },
						name: { type: "string" },
						members: {
							oneOf: [
								{ type: "array", items: { type: "string" }, description: "user ids in their order there; the creator is put first" },
								{
									type: "array",
									description: "an export line's members, in join order; with these, no doNotDisturb list",
									items: {
										type: "object",
										required: ["userId"],
										properties: {
											userId: { type: "string" },
											doNotDisturb: { type: "boolean" },
											joinedAt: {
												oneOf: [{ type: "integer" }, { type: "string", format: "date-time" }, { type: "null" }],
												description: "absent: the import time; null: unknown",
											},
										},
									},
								},
							],
						},
						doNotDisturb: { type: "array", items: { type: "string" } },
						createdAt: { oneOf: [{ type: "integer" }, { type: "string", format: "date-time" }] },
						version: { type: "integer", description: "an export line's; ignored" },
					},
					["creator", "createdAt"],
				),
				responses: {
					"200": json({
						type: "object",
						properties: { groupId: { type: "string" }, result: { enum: ["unchanged", "replaced"] }, version: { type: "integer" } },
					}),
					"201": json({
						type: "object",
						properties: { groupId: { type: "string" }, result: { enum: ["created", "revived"] }, version: { type: "integer" } },
					}),
					...changeRefusals,
					"409": { ...error, description: "GROUP_EXISTS (other content; ?overwrite=true replaces it) or GROUP_FULL" },
					"410": { ...error, description: "GROUP_DELETED: deleted here; only ?revive=true brings it back" },
				},
			},
			delete: {
				summary: "Delete the group; its id is never used again",
				security: appOnly,
				parameters: [groupId],
				responses: { "200": state, ...changeRefusals },
			},
			get: {
				summary: "A group: name, creator, when it was created, how many members",
				security: bearer,
				parameters: [groupId],
				responses: {
					"200": json({
						type: "object",
						required: ["groupId", "name", "creator", "createdAt", "memberCount", "version"],
						properties: {
							groupId: { type: "string" },
							name: { type: "string" },
							creator: { type: "string" },
							createdAt: { type: "string", format: "date-time" },
							memberCount: { type: "integer" },
							version: { type: "integer" },
							starrtc: {
								type: "object",
								description: "API token only: what StarRTC's proxy has been told of the group's app-made changes",
								required: ["proxy", "pending"],
								properties: {
									proxy: { type: "boolean", description: "STARRTC_PROXY_URL is set" },
									pending: { type: "boolean", description: "changes wait in the outbox" },
									toldVersion: { type: "integer", description: "while pending: StarRTC holds every change up to this version" },
									lastError: { type: "string", description: "why the latest failed try failed (the proxy's words)" },
									lastErrorAt: { type: "integer", description: "when it failed, ms since 1970" },
									lastErrorCurrent: { type: "boolean", description: "true while the latest try failed; false once a later one succeeded" },
								},
							},
							webhook: {
								type: "object",
								description: "API token only: what the webhook receiver (WEBHOOK_URL) has been sent of the group",
								required: ["on", "pending", "givenUp"],
								properties: {
									on: { type: "boolean", description: "WEBHOOK_URL is set" },
									pending: { type: "integer", description: "messages waiting to be acknowledged" },
									deliveredVersion: { type: "integer", description: "the last version whose every message the receiver acknowledged" },
									givenUp: {
										type: "integer",
										description: "messages given up (not acknowledged within 3 days), marked given_up in the history",
									},
									lastError: { type: "string", description: "why the latest failed try failed" },
									lastErrorAt: { type: "integer", description: "when it failed, ms since 1970" },
									lastErrorCurrent: { type: "boolean", description: "true while the latest try failed; false once a later one succeeded" },
								},
							},
						},
					}),
					...refusals,
					"404": { ...error, description: "UNKNOWN_GROUP" },
				},
			},
		},
		"/v1/groups/{groupId}/events": {
			get: {
				summary:
					"The group's messages (the webhook's), oldest first, kept EVENT_HISTORY_DAYS; a page holds at most `limit` and about 1 MiB",
				security: appOnly,
				parameters: [
					groupId,
					{
						name: "after",
						in: "query",
						required: false,
						description: "Start after this version (default 0: from the oldest kept)",
						schema: { type: "integer", minimum: 0 },
					},
					limit,
					cursor,
				],
				responses: {
					"200": json({
						type: "object",
						required: ["groupId", "version", "events"],
						properties: {
							groupId: { type: "string" },
							version: { type: "integer", description: "the group's version now" },
							next: { type: "string" },
							events: {
								type: "array",
								items: {
									allOf: [
										{ $ref: "#/components/schemas/EventMessage" },
										{
											type: "object",
											required: ["id"],
											properties: {
												id: { type: "string", description: "its webhook-id" },
												webhook: {
													enum: ["pending", "delivered", "given_up"],
													description: "absent for a message written while WEBHOOK_URL was unset",
												},
											},
										},
									],
								},
							},
						},
					}),
					"400": { ...error, description: "BAD_REQUEST: a malformed id, after, limit or cursor" },
					"401": { ...error, description: "TOKEN_*" },
					"403": { ...error, description: "FORBIDDEN: a user token" },
					"404": { ...error, description: "UNKNOWN_GROUP (never created, or deleted: its history goes with it)" },
				},
			},
		},
		"/v1/groups/{groupId}/members": {
			post: {
				summary: "Add members",
				security: appOnly,
				parameters: [groupId],
				requestBody: body({ userIds }, ["userIds"]),
				responses: { "200": state, ...changeRefusals },
			},
			get: {
				summary: "A group's members in join order, with their DND flags and join times",
				security: bearer,
				parameters: [groupId, limit, cursor],
				responses: {
					"200": json({
						type: "object",
						required: ["groupId", "members"],
						properties: {
							groupId: { type: "string" },
							next: { type: "string" },
							members: {
								type: "array",
								items: { $ref: "#/components/schemas/Member" },
							},
						},
					}),
					...refusals,
					"404": { ...error, description: "UNKNOWN_GROUP" },
				},
			},
		},
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
	},
	webhooks,
};
