/**
 * starrtc-aec-groups: the AEC URL of a StarRTC deployment and the group back end
 * of its app. Two doors into the same objects: the AEC callbacks (src/edge:
 * parse, authenticate, validate, dispatch) and the app's read API (src/api).
 * One GroupObject per group owns its state and its outbox; GroupIdCounter mints
 * ids; UserIndex shards hold each user's groups and GroupRegistry shards every
 * group, both fed by the group outboxes.
 */
import { Hono } from "hono";
import { api } from "./api/api";
import { consolePages } from "./api/console";
import type { SettingsSource } from "./config";
import { callbacks, unexpected } from "./edge/app";

export { GroupIdCounter } from "./counter/group-id-counter";
export { GroupObject } from "./group/group-object";
export { UserIndex } from "./user-index/user-index";
export { GroupRegistry } from "./registry/group-registry";

const worker = new Hono<{ Bindings: SettingsSource }>();
worker.route("/", api);
// The operators' console (static files under /console/); CONSOLE="off" passes its paths on as unknown ones.
worker.route("/", consolePages);
// The callbacks come last: every path the API does not take is theirs (or NOT_FOUND in the envelope).
worker.route("/", callbacks);
worker.onError(unexpected);

export default worker satisfies ExportedHandler<Env>;
