import { WebhookDelivery } from "../events/delivery";
import { EventLog } from "../events/history";
import { RegistryDelivery } from "../registry/delivery";
import { StarRtcDelivery } from "../starrtc/delivery";
import { starRtcSender } from "../starrtc/teller";
import { IndexDelivery } from "../user-index/delivery";
import { summaryOf } from "./export";
import { type Group, starRtcView } from "./group";
import type { Destination } from "./outbox";
import type { GroupStorage } from "./storage";

/** How the destinations read their group: as it is when they send, not as it was at the change. */
export interface GroupNow {
	readonly groupId: () => string;
	/** null once deleted (or never made). */
	readonly group: () => Group | null;
	/** The stored version; a deleted group's is its tombstone's. */
	readonly version: () => number;
}

export type Destinations = ReturnType<typeof destinationsOf>;

/** Every destination of a group's outbox (`all`, in the order the outbox tries them). */
export function destinationsOf(sql: SqlStorage, env: Env, storage: GroupStorage, now: GroupNow) {
	const index = new IndexDelivery(sql, env);
	/** The group as StarRTC's proxy calls are worked out from it; null once deleted. */
	const starrtcView = () => {
		const group = now.group();
		return group && starRtcView(group);
	};
	const starrtc = new StarRtcDelivery(sql, starRtcSender(env, now.groupId, starrtcView));
	const events = new EventLog(sql);
	const webhook = new WebhookDelivery(events, env, now.groupId, () => now.group() === null);
	const registry = new RegistryDelivery(sql, env, () => summaryOf(now.groupId(), now.group(), storage), now.version);
	const all: Destination[] = [index, starrtc, webhook, registry];
	return { index, starrtc, starrtcView, events, registry, all };
}
