import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, it } from "vitest";
import { send, signedPost } from "./client";
import { type DevServer, freePort, sign, startDevServer } from "./dev-server";

const TOKEN = "e2e-guard-token";
let dev: DevServer;
let upstream: Server;
const upstreamSaw: string[] = [];

const callback = (fields: Record<string, string>, path = "/eventCenter") => send(`${dev.url}${path}`, signedPost(TOKEN, fields));

beforeAll(async () => {
	// The app's existing AEC server, for the actions this service does not own.
	const upstreamPort = await freePort();
	upstream = createServer((req, res) => {
		let body = "";
		req
			.on("data", (c) => (body += c))
			.on("end", () => {
				upstreamSaw.push(body);
				res.end('{"status":"1","data":"1"}');
			});
	}).listen(upstreamPort, "127.0.0.1");
	dev = await startDevServer({
		vars: { GUARD_TOKEN: TOKEN, UPSTREAM_AEC_URL: `http://127.0.0.1:${upstreamPort}/eventCenter.php` },
	});
});

afterAll(async () => {
	await dev?.stop();
	upstream?.close();
});

describe("the real wrangler dev, over HTTP", () => {
	it("serves a whole group's life with signed form POSTs", async ({ expect }) => {
		expect((await send(`${dev.url}/healthz`)).body).toBe('{"status":"1"}');
		const created = await callback({ action: "AEC_GROUP_CREATE", userId: "alice", addUsers: "alice,bob,carol", userDefineData: "mygroup" });
		const id = /^\{"status":"1","data":"(\d+)"\}$/.exec(created.body)?.[1] ?? "";
		expect(id).toBe("100000");
		expect(
			(await callback({ action: "AEC_GROUP_ADD_USER", userId: "alice", groupId: id, addUsers: "dave" }, "/eventCenter.php")).body,
		).toBe('{"status":"1"}');
		expect((await callback({ action: "AEC_SET_GROUP_PUSH_IGNORE_AND_SYNC_ALL", userId: "bob", groupId: id }, "/")).body).toBe(
			'{"status":"1","data":{"groupList":"alice,bob,carol,dave","ignoreList":"bob"}}',
		);
		expect(
			(await callback({ action: "AEC_GROUP_REMOVE_USER_AND_SYNC_ALL", userId: "alice", groupId: id, removeUsers: "carol" })).body,
		).toBe('{"status":"1","data":{"groupList":"alice,bob,dave","ignoreList":"bob"}}');
		expect((await callback({ action: "AEC_GROUP_DEL", userId: "alice", groupId: id })).body).toBe('{"status":"1"}');
		const after = await callback({ action: "AEC_GROUP_SYNC_ALL", groupId: id });
		expect([after.body, after.error]).toEqual(['{"status":"0","data":"47"}', "UNKNOWN_GROUP"]);
	});

	it("refuses a bad sign", async ({ expect }) => {
		const answer = await send(`${dev.url}/eventCenter`, signedPost(TOKEN, { action: "AEC_GROUP_SYNC_ALL", groupId: "100000" }, "wrong"));
		expect([answer.body, answer.error]).toEqual(['{"status":"0","data":"53"}', "BAD_SIGN"]);
	});

	it("forwards msgServer's push-mode question to the upstream AEC server", async ({ expect }) => {
		const answer = await callback({ action: "AEC_MSG_SERVER_GET_PUSH_MODE", userId: "alice" });
		expect(answer.body).toBe('{"status":"1","data":"1"}');
		const forwarded = new URLSearchParams(upstreamSaw.at(-1));
		expect(forwarded.get("data")).toMatch(/^\{"ts":"\d+","action":"AEC_MSG_SERVER_GET_PUSH_MODE","userId":"alice"\}$/);
		expect(forwarded.get("sign")).toBe(sign(TOKEN, forwarded.get("data") ?? ""));
	});
});
