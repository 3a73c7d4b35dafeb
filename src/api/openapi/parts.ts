// The pieces the OpenAPI document repeats: refusals, parameters, bodies.
export const error = {
	description: "A JSON error body",
	content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
};
export const serverError = {
	"500": { ...error, description: "BAD_CONFIGURATION (a bad setting; GET /healthz names it) or INTERNAL_ERROR" },
};
export const refusals = {
	"400": { ...error, description: "BAD_REQUEST: a malformed id, limit or cursor" },
	"401": { ...error, description: "TOKEN_*: no, a malformed, expired, wrongly signed or non-HS256 token" },
	"403": { ...error, description: "FORBIDDEN (another user's data) or NOT_A_MEMBER" },
	...serverError,
};
export const bearer = [{ apiToken: [] }, { userToken: [] }];
export const limit = {
	name: "limit",
	in: "query",
	required: false,
	schema: { type: "integer", minimum: 1, maximum: 1000, default: 100 },
};
export const cursor = {
	name: "cursor",
	in: "query",
	required: false,
	description: "The `next` of the previous page",
	schema: { type: "string" },
};
export const groupId = {
	name: "groupId",
	in: "path",
	required: true,
	description: "A decimal integer from 1 to 9007199254740991 (MAX_GROUP_ID)",
	schema: { type: "string", pattern: "^[1-9][0-9]{0,15}$" },
};
export const json = (schema: object) => ({ description: "OK", content: { "application/json": { schema } } });
export const body = (properties: Record<string, object>, required: string[]) => ({
	required: true,
	content: { "application/json": { schema: { type: "object", required, properties } } },
});
export const userIds = { type: "array", items: { type: "string" }, minItems: 1 };
export const userId = { name: "userId", in: "path", required: true, schema: { type: "string" } };
export const appOnly = [{ apiToken: [] }];
export const state = json({ $ref: "#/components/schemas/GroupState" });
export const changeRefusals = {
	"400": { ...error, description: "BAD_REQUEST" },
	"401": { ...error, description: "TOKEN_*" },
	"403": { ...error, description: "FORBIDDEN: a user token" },
	"404": { ...error, description: "UNKNOWN_GROUP, or NO_SUCH_MEMBER for DND" },
	"409": { ...error, description: "GROUP_FULL or REMOVE_CREATOR" },
	...serverError,
};
export const sent = {
	"200": json({ type: "object", properties: { sent: { type: "boolean" } } }),
	"400": { ...error, description: "BAD_REQUEST (msg over 8192 bytes, no digest, …)" },
	"401": { ...error, description: "TOKEN_*" },
	"403": { ...error, description: "FORBIDDEN: a user token" },
	"404": { ...error, description: "UNKNOWN_GROUP (a group's message)" },
	...serverError,
	"502": { ...error, description: "STARRTC_REFUSED: the proxy's verdict" },
	"503": { ...error, description: "STARRTC_PROXY_OFF" },
};
export const message = { msg: { type: "string", description: "at most 8192 bytes of UTF-8" }, digest: { type: "string" } };
