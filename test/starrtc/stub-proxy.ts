import { vi } from "vitest";
import type { ProxyCall } from "../../src/starrtc/proxy";

export const PROXY_URL = "http://proxy.test/";

export interface Hold {
	/** The held call has reached the proxy. */
	arrived: boolean;
	released: boolean;
	release(): void;
}

/**
 * A stand-in for StarRTC's groupPushHttpProxy + groupServer, as the real ones
 * behave (docs/protocol.md): it keeps groupServer's copy of each group, answers
 * GROUPPUSH_ERRID_GROUPID_NOT_SYNC for incremental calls on a group it does not
 * hold, and can be taken down. Installed as the isolate's fetch.
 */
export class StubProxy {
	readonly calls: { name: string; params: Record<string, string> }[] = [];
	readonly groups = new Map<string, { members: string[]; ignoring: Set<string> }>();
	down = false;
	/** Calls answered with a refusal (ASOCKSRV_ERRID_HTTP_POST_PARAM_ERR), whatever they carry. */
	readonly refusing = new Set<ProxyCall["name"]>();

	readonly #holds = new Map<string, Hold>();

	install(): this {
		vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
			const url = new URL(String(input instanceof Request ? input.url : input));
			if (!url.href.startsWith(PROXY_URL)) throw new TypeError(`unexpected fetch ${url.href}`);
			if (this.down) throw new TypeError("connection refused");
			const params = Object.fromEntries(new URLSearchParams(String(init?.body ?? "")));
			const name = url.pathname.slice(1);
			this.calls.push({ name, params });
			const hold = this.#holds.get(name);
			if (hold) {
				this.#holds.delete(name);
				hold.arrived = true;
				// Polled, not awaited as a promise: the test settles it from another request's context.
				while (!hold.released) await new Promise((resolve) => setTimeout(resolve, 2));
			}
			return new Response(this.#answer(name, params), { headers: { "Content-Type": "text/plain" } });
		});
		return this;
	}

	/**
	 * Holds the next call named `name` before it is applied and answered, until
	 * `release()`: a test changes the group while the call is in flight.
	 */
	hold(name: ProxyCall["name"]): Hold {
		const hold: Hold = {
			arrived: false,
			released: false,
			release: () => {
				hold.released = true;
			},
		};
		this.#holds.set(name, hold);
		return hold;
	}

	/** The calls about one group, in the order they came. */
	callsFor(groupId: string) {
		return this.calls.filter((c) => c.params.groupId === groupId);
	}

	reset(): void {
		for (const hold of this.#holds.values()) hold.release();
		this.#holds.clear();
		this.calls.length = 0;
		this.groups.clear();
		this.down = false;
		this.refusing.clear();
	}

	/**
	 * What a callback StarRTC made changes in its own copy (it applies our "1" answers itself), and
	 * what addUsersToGroup / delUsersFromGroup / setPushIgnore / unsetPushIgnore change: members
	 * added or removed, DND turned on (`dndOn`, AEC_SET_GROUP_PUSH_IGNORE) or off (`dndOff`,
	 * AEC_UNSET_GROUP_PUSH_IGNORE). A removed member's DND goes with them, as in our group (assumed
	 * of groupServer, not measured: its DND is not visible to a client).
	 */
	applyCallback(groupId: string, change: { add?: string[]; remove?: string[]; dndOn?: string[]; dndOff?: string[] }): void {
		const group = this.groups.get(groupId);
		if (!group) return;
		const removed = change.remove ?? [];
		for (const id of change.add ?? []) if (!group.members.includes(id)) group.members.push(id);
		group.members = group.members.filter((id) => !removed.includes(id));
		for (const id of removed) group.ignoring.delete(id);
		for (const id of change.dndOn ?? []) group.ignoring.add(id);
		for (const id of change.dndOff ?? []) group.ignoring.delete(id);
	}

	#answer(name: string, p: Record<string, string>): string {
		const groupId = p.groupId ?? "";
		if (this.refusing.has(name as ProxyCall["name"])) return '{"status":"0","data":"ASOCKSRV_ERRID_HTTP_POST_PARAM_ERR"}';
		if (name === "pushSystemMsgToUsers") return p.toUsers ? '{"status":"1"}' : '{"status":"0","data":"ASOCKSRV_ERRID_HTTP_POST_PARSE_ERR"}';
		if (!groupId) return '{"status":"0","data":"ASOCKSRV_ERRID_HTTP_POST_PARSE_ERR"}';
		if (name === "syncGroupList") {
			const members = p.groupList ? p.groupList.split(",") : [];
			this.groups.set(groupId, { members, ignoring: new Set(p.ignoreList ? p.ignoreList.split(",") : []) });
			return '{"status":"1"}';
		}
		const group = this.groups.get(groupId);
		if (!group) return '{"status":"0","data":"GROUPPUSH_ERRID_GROUPID_NOT_SYNC"}';
		const list = (key: string) => (p[key] ?? "").split(",").filter(Boolean);
		if (name === "addUsersToGroup") this.applyCallback(groupId, { add: list("addedUsers") });
		else if (name === "delUsersFromGroup") this.applyCallback(groupId, { remove: list("deledUsers") });
		else if (name === "setPushIgnore") this.applyCallback(groupId, { dndOn: list("ignoreList") });
		else if (name === "unsetPushIgnore") this.applyCallback(groupId, { dndOff: list("ignoreList") });
		else if (name !== "pushGroupMsg") return '{"status":"0","data":"ASOCKSRV_ERRID_HTTP_POST_PARAM_ERR"}';
		return '{"status":"1"}';
	}
}
