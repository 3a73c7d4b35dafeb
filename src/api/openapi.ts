/**
 * The /v1 API, described once by hand: a generator (zod-openapi) would triple
 * the Worker's size for these routes. test/api/openapi.test.ts checks that every
 * route here exists in the app and every /v1 route of the app is here.
 */
import { changePaths } from "./openapi/change-paths";
import { readPaths } from "./openapi/read-paths";
import { schemas } from "./openapi/schemas";
import { webhooks } from "./openapi/webhooks";

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
		schemas,
	},
	paths: { ...readPaths, ...changePaths },
	webhooks,
};
