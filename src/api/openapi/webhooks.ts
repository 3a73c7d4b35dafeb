/** The webhook messages (docs/webhooks.md): what each type says, for the `webhooks` section. */
export const messageTypes: Record<string, string> = {
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
export const webhooks = Object.fromEntries(
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
