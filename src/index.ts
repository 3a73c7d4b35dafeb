/**
 * starrtc-aec-groups: the AEC URL of a StarRTC deployment, answering its group
 * callbacks. The HTTP edge (src/edge) parses, authenticates and validates each
 * callback; one GroupObject per group applies it; GroupIdCounter mints group ids.
 */
import { app } from "./edge/app";

export { GroupIdCounter } from "./counter/group-id-counter";
export { GroupObject } from "./group/group-object";

export default app satisfies ExportedHandler<Env>;
