/**
 * starrtc-aec-groups: the AEC URL of a StarRTC deployment and the group back end
 * of its app. Two doors into the same objects: the AEC callbacks (src/edge:
 * parse, authenticate, validate, dispatch) and the app's read API (src/api).
 * One GroupObject per group owns its state and its outbox; GroupIdCounter mints
 * ids; UserIndex shards hold each user's groups, fed by the group outboxes.
 */
import { Hono } from "hono";
import { api } from "./api/api";
import type { SettingsSource } from "./config";
import { callbacks, unexpected, unknownPath } from "./edge/app";

export { GroupIdCounter } from "./counter/group-id-counter";
export { GroupObject } from "./group/group-object";
export { UserIndex } from "./user-index/user-index";

const worker = new Hono<{ Bindings: SettingsSource }>();
worker.route("/", api);
worker.route("/", callbacks);
worker.notFound(unknownPath);
worker.onError(unexpected);

export default worker satisfies ExportedHandler<Env>;
