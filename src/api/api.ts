import { Hono } from "hono";
import { cors } from "hono/cors";
import { readSettings } from "../config";
import { admin } from "./admin";
import { identify } from "./auth";
import type { ApiEnv } from "./env";
import { ApiError, ApiFailure, refusal } from "./errors";
import { openApiDocument } from "./openapi";
import { reads } from "./reads";

/**
 * The app-facing HTTP API: `/v1` (JSON, meaningful statuses) and the two URLs
 * the StarRTC demo apps read (`group/list.php`, `group/members.php`, in the
 * sample server's shapes). It holds no state: it reads and changes the group
 * objects and reads the user index, like the AEC callbacks do.
 */
export const api = new Hono<ApiEnv>();

// Every refusal is thrown (an ApiFailure) and answered here, in the shape of the route.
api.onError(refusal);

// Scoped to the API's own paths: mounted at the root, a "*" would run for every AEC callback too.
const API_PATHS = ["/v1/*", "/group/*"];

api.on("ALL", API_PATHS, async (c, next) => {
	const settings = readSettings(c.env);
	c.set("settings", settings);
	if (settings.corsOrigins.length) {
		const origin = settings.corsOrigins.includes("*") ? "*" : [...settings.corsOrigins];
		return cors({ origin, allowHeaders: ["Authorization", "Content-Type", "Idempotency-Key"], maxAge: 600 })(c, next);
	}
	return next();
});

api.get("/v1/openapi.json", (c) => c.json(openApiDocument));

api.on("ALL", API_PATHS, async (c, next) => {
	c.set("caller", await identify(c.req.header("Authorization"), c.var.settings));
	return next();
});

api.route("/", reads);
api.route("/", admin);

api.all("/v1/*", (c) => {
	throw new ApiFailure(ApiError.NotFound, `no API route ${c.req.method} ${c.req.path.slice(0, 128)}`);
});
