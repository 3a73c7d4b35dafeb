import { error, refusals, bearer, limit, cursor, groupId, json, body, userIds, appOnly, state, changeRefusals } from "./parts";

/** Users' groups, a group (read, import, delete), its history and its members. */
export const readPaths = {
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
			summary: "The group's messages (the webhook's), oldest first, kept EVENT_HISTORY_DAYS; a page holds at most `limit` and about 1 MiB",
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
};
