import { messageTypes } from "./webhooks";

/** The document's `components.schemas`: the bodies its routes and webhooks share. */
export const schemas = {
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
};
