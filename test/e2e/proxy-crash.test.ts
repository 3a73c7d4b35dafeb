import { mkdtempSync, rmSync } from "node:fs";
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, it } from "vitest";
import { apiCall } from "./client";
import { type DevServer, freePort, startDevServer } from "./dev-server";

// kill -9 `wrangler dev` while StarRTC's proxy cannot take anything: first it refuses connections
// (deliveries fail and back off), then it holds requests unanswered (a delivery is in flight at the
// kill). After a restart on the same storage, with the proxy healthy and nobody touching the groups,
// the persisted alarms alone must deliver every acknowledged admin change, in order per group.
const API_TOKEN = "proxy-crash-api-token";
const persistTo = mkdtempSync(join(tmpdir(), "aec-proxy-crash-"));

interface Call {
	readonly name: string;
	readonly params: Record<string, string>;
}

/** A stand-in for groupPushHttpProxy on 127.0.0.1: "hang" holds every request; "ok" records and answers success. */
class ProxyStandIn {
	mode: "hang" | "ok" = "hang";
	readonly answered: Call[] = [];
	readonly held: Call[] = [];
	readonly #open: ServerResponse[] = [];
	readonly #server: Server = createServer((req, res) => void this.#handle(req, res));

	listen(port: number): Promise<void> {
		return new Promise((resolve) => this.#server.listen(port, "127.0.0.1", resolve));
	}

	heal(): void {
		this.mode = "ok";
		for (const res of this.#open.splice(0)) res.destroy();
	}

	callsFor(groupId: string): Call[] {
		return this.answered.filter((call) => call.params.groupId === groupId);
	}

	close(): Promise<void> {
		this.#server.closeAllConnections();
		return new Promise((resolve) => this.#server.close(() => resolve()));
	}

	async #handle(req: IncomingMessage, res: ServerResponse) {
		let body = "";
		for await (const chunk of req) body += chunk;
		const call = { name: new URL(req.url ?? "/", "http://proxy").pathname.slice(1), params: Object.fromEntries(new URLSearchParams(body)) };
		if (this.mode === "hang") {
			this.held.push(call);
			this.#open.push(res);
			return;
		}
		this.answered.push(call);
		res.writeHead(200, { "Content-Type": "text/plain" }).end('{"status":"1"}');
	}
}

const proxy = new ProxyStandIn();
let dev: DevServer | undefined;

afterAll(async () => {
	await dev?.stop("SIGKILL");
	await proxy.close();
	rmSync(persistTo, { recursive: true, force: true });
});

async function admin(url: string, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
	const { status, json } = await apiCall(url, API_TOKEN, method, path, body);
	if (status < 200 || status > 299) throw new Error(`${method} ${path}: ${status} ${JSON.stringify(json)}`);
	return json;
}

const until = async (what: string, done: () => boolean, ms: number) => {
	const deadline = Date.now() + ms;
	while (!done()) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 100));
	}
};

describe("a crash between an admin change's commit and its delivery to StarRTC", () => {
	it("delivers every acknowledged change after the restart, in order per group", { timeout: 60_000 }, async ({ expect }) => {
		const proxyPort = await freePort(); // nobody listens yet: connections are refused
		const vars = { API_TOKEN, STARRTC_PROXY_URL: `http://127.0.0.1:${proxyPort}/`, STARRTC_PROXY_TIMEOUT_MS: "15000" };
		dev = await startDevServer({ vars, persistTo });
		const url = dev.url;

		// Refused: g1's deliveries fail and its alarm backs off.
		const g1 = String((await admin(url, "POST", "/v1/groups", { creator: "pc-a", members: ["pc-b"], name: "one" })).groupId);
		await admin(url, "POST", `/v1/groups/${g1}/members`, { userIds: ["pc-c"] });
		await new Promise((r) => setTimeout(r, 1500));
		await admin(url, "POST", `/v1/groups/${g1}/members`, { userIds: ["pc-d"] });
		await admin(url, "DELETE", `/v1/groups/${g1}/members/pc-b`);

		// Held: g2's first call is in flight when the server dies.
		await proxy.listen(proxyPort);
		const g2 = String((await admin(url, "POST", "/v1/groups", { creator: "pc-x", members: ["pc-y", "pc-z"], name: "two" })).groupId);
		await until("g2's first call to reach the proxy", () => proxy.held.some((call) => call.params.groupId === g2), 10_000);
		const last = await admin(url, "PUT", `/v1/groups/${g1}/members/pc-c/dnd`);
		await admin(url, "POST", `/v1/groups/${g2}/members`, { userIds: ["pc-w"] });
		const deleted = await admin(url, "DELETE", `/v1/groups/${g2}`);
		expect([last.starrtc, deleted.starrtc]).toEqual(["pending", "pending"]);
		expect(proxy.answered).toEqual([]);

		await dev.stop("SIGKILL");
		proxy.heal();
		dev = await startDevServer({ vars, persistTo });
		const restarted = Date.now();

		// The calls describe each group as it is when sent (src/starrtc/calls.ts): g1 now, g2 deleted.
		const expected = {
			[g1]: [
				{ name: "syncGroupList", params: { groupId: g1, groupList: "pc-a,pc-c,pc-d", ignoreList: "pc-c" } },
				{ name: "addUsersToGroup", params: { groupId: g1, addedUsers: "pc-c" } },
				{ name: "addUsersToGroup", params: { groupId: g1, addedUsers: "pc-d" } },
				{ name: "delUsersFromGroup", params: { groupId: g1, deledUsers: "pc-b" } },
				{ name: "setPushIgnore", params: { groupId: g1, ignoreList: "pc-c" } },
			],
			[g2]: Array.from({ length: 3 }, () => ({ name: "syncGroupList", params: { groupId: g2 } })),
		};
		// Nothing here touches the groups: only their persisted alarms can deliver.
		const count = (g: string) => proxy.callsFor(g).length;
		await until("every change to reach the proxy", () => count(g1) >= 5 && count(g2) >= 3, 20_000).catch(() => {});
		console.log(JSON.stringify({ heldBeforeCrash: proxy.held.length, deliveredMsAfterRestart: Date.now() - restarted }));
		expect({ [g1]: proxy.callsFor(g1), [g2]: proxy.callsFor(g2) }).toEqual(expected);

		const g1Now = await admin(dev.url, "GET", `/v1/groups/${g1}`);
		expect(g1Now).toMatchObject({ memberCount: 3, version: 5, starrtc: { proxy: true, pending: false } });
	});
});
