import { env, exports } from "cloudflare:workers";
import { evictDurableObject } from "cloudflare:test";
import { afterEach, describe, it, vi } from "vitest";
import { failStatements, loggedLines } from "../helpers";
import { asApp, asUser } from "./client";

// Every way the API refuses, with its exact status, code and message: the message is
// part of the contract (an app developer reads it in a failed request), so a refusal that
// goes through another branch, or names the wrong field, shows here.

type Headers = Record<string, string>;
const json = { "Content-Type": "application/json" };

async function ask(method: string, path: string, body?: unknown, headers: Headers = asApp) {
	const response = await exports.default.fetch(
		new Request(`http://aec.test${path}`, {
			method,
			headers: { ...json, ...headers },
			body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
		}),
	);
	return { status: response.status, text: await response.text() };
}

const refused = (status: number, code: string, message: string) => ({ status, text: JSON.stringify({ error: { code, message } }) });
const badRequest = (message: string) => refused(400, "BAD_REQUEST", message);
const appOnly = refused(401, "TOKEN_MISSING", "this route needs Authorization: Bearer <API_TOKEN>");
const readersOnly = refused(401, "TOKEN_MISSING", "this route needs Authorization: Bearer <API_TOKEN or user token>");

// The groups the cases refer to, made by the first test that needs them (inside a test, not in
// a beforeAll: code that runs outside every test counts as reached by all of them in mutation runs).
let groups: Promise<{ id: string; deleted: string }> | undefined;
const created = async (body: unknown) => String((JSON.parse((await ask("POST", "/v1/groups", body)).text) as { groupId: string }).groupId);
function setup() {
	groups ??= (async () => {
		const id = await created({ creator: "rx-alice", members: ["rx-bob"], name: "n" });
		const deleted = await created({ creator: "rx-alice", members: [] });
		await ask("DELETE", `/v1/groups/${deleted}`);
		return { id, deleted };
	})();
	return groups;
}

describe("reads", () => {
	it("a limit outside 1–1000 or not plain digits", async ({ expect }) => {
		const { id } = await setup();
		for (const limit of ["0", "1001", "-1", "1e2", "5.0", "+5", "%205", "", "0x10", "5x"]) {
			expect(await ask("GET", `/v1/users/rx-alice/groups?limit=${limit}`), limit).toEqual(
				badRequest("limit must be an integer from 1 to 1000"),
			);
			expect(await ask("GET", `/v1/groups/${id}/members?limit=${limit}`), limit).toEqual(
				badRequest("limit must be an integer from 1 to 1000"),
			);
		}
		for (const limit of ["1", "1000", "007"]) {
			expect((await ask("GET", `/v1/users/rx-alice/groups?limit=${limit}`)).status, limit).toBe(200);
			expect((await ask("GET", `/v1/groups/${id}/members?limit=${limit}`)).status, limit).toBe(200);
		}
	});

	it("malformed ids, cursors and paths", async ({ expect }) => {
		const { id } = await setup();
		expect(await ask("GET", "/v1/users/a%22b/groups")).toEqual(badRequest("userId holds a quote or a backslash"));
		expect(await ask("GET", "/v1/groups/abc")).toEqual(
			badRequest("groupId is not a group id (a decimal integer from 1 to 9007199254740991)"),
		);
		expect(await ask("GET", "/v1/groups/0/members")).toEqual(
			badRequest("groupId is not a group id (a decimal integer from 1 to 9007199254740991)"),
		);
		expect(await ask("GET", `/v1/groups/${id}/members?cursor=x`)).toEqual(badRequest("cursor is not one this API returned"));
		expect(await ask("GET", "/v1/users/rx-alice/groups?cursor=x")).toEqual(badRequest("cursor is not one this API returned"));
		expect(await ask("GET", "/v1/nothing")).toEqual(refused(404, "NOT_FOUND", "no API route GET /v1/nothing"));
		expect(await ask("PATCH", `/v1/groups/${id}`)).toEqual(refused(404, "NOT_FOUND", `no API route PATCH /v1/groups/${id}`));
	});

	it("who may read what", async ({ expect }) => {
		const { id, deleted } = await setup();
		for (const path of ["/v1/users/rx-alice/groups", `/v1/groups/${id}`, `/v1/groups/${id}/members`]) {
			expect(await ask("GET", path, undefined, {}), path).toEqual(readersOnly);
		}
		expect(await ask("GET", "/v1/users/rx-bob/groups", undefined, await asUser("rx-alice"))).toEqual(
			refused(403, "FORBIDDEN", "a user token reads only its own user's groups"),
		);
		const notAMember = refused(403, "NOT_A_MEMBER", "only members of the group may read it");
		expect(await ask("GET", `/v1/groups/${id}`, undefined, await asUser("rx-zed"))).toEqual(notAMember);
		expect(await ask("GET", `/v1/groups/${id}/members`, undefined, await asUser("rx-zed"))).toEqual(notAMember);
		expect(await ask("GET", "/v1/groups/999999999")).toEqual(refused(404, "UNKNOWN_GROUP", "no such group"));
		expect(await ask("GET", `/v1/groups/${deleted}`)).toEqual(refused(404, "UNKNOWN_GROUP", "no such group"));
	});
});

describe("changes", () => {
	it("only the app's backend changes groups", async ({ expect }) => {
		const { id } = await setup();
		const user = await asUser("rx-alice");
		const forbidden = refused(403, "FORBIDDEN", "only the app's backend (API_TOKEN) changes groups");
		const routes: [string, string, unknown][] = [
			["POST", "/v1/groups", { creator: "rx-alice" }],
			["PUT", "/v1/groups/7777777", { creator: "rx-alice", createdAt: 0 }],
			["POST", `/v1/groups/${id}/members`, { userIds: ["rx-carol"] }],
			["POST", `/v1/groups/${id}/members/remove`, { userIds: ["rx-bob"] }],
			["DELETE", `/v1/groups/${id}/members/rx-bob`, undefined],
			["PUT", `/v1/groups/${id}/members/rx-bob/dnd`, undefined],
			["DELETE", `/v1/groups/${id}/members/rx-bob/dnd`, undefined],
			["DELETE", `/v1/groups/${id}`, undefined],
			["POST", `/v1/groups/${id}/messages`, { msg: "m", digest: "d" }],
			["POST", "/v1/messages", { toUsers: ["rx-bob"], msg: "m", digest: "d" }],
		];
		for (const [method, path, body] of routes) {
			expect(await ask(method, path, body, user), `${method} ${path}`).toEqual(forbidden);
			expect(await ask(method, path, body, {}), `${method} ${path}`).toEqual(appOnly);
		}
	});

	it("the token is checked before the body is read: a stranger's bad, huge or over-full body is 401, a user's 403", async ({ expect }) => {
		const { id } = await setup();
		const user = await asUser("rx-alice");
		const forbidden = refused(403, "FORBIDDEN", "only the app's backend (API_TOKEN) changes groups");
		// 20,001 ids, under 4 MiB: read first, it was GROUP_FULL. Over 4 MiB, or not JSON: BAD_REQUEST.
		const overFull = {
			creator: "rx-alice",
			members: Array.from({ length: 20001 }, (_, i) => `rx-m${i}`),
			userIds: Array.from({ length: 20001 }, (_, i) => `rx-m${i}`),
		};
		const huge = JSON.stringify({ creator: "rx-alice", userIds: ["rx-bob"], name: "x".repeat(4 * 1024 * 1024) });
		const withBody: [string, string][] = [
			["POST", "/v1/groups"],
			["PUT", "/v1/groups/7777777"],
			["POST", `/v1/groups/${id}/members`],
			["POST", `/v1/groups/${id}/members/remove`],
			["POST", `/v1/groups/${id}/messages`],
			["POST", "/v1/messages"],
		];
		for (const [method, path] of withBody) {
			for (const [what, body] of Object.entries({ overFull, huge, notJson: "{" })) {
				expect(await ask(method, path, body, {}), `${method} ${path} ${what}`).toEqual(appOnly);
				expect(await ask(method, path, body, user), `${method} ${path} ${what}`).toEqual(forbidden);
			}
		}
	});

	it("bodies that are not a JSON object, or over 4 MiB", async ({ expect }) => {
		const { id } = await setup();
		const notAnObject = badRequest("the body must be a JSON object");
		for (const body of ["[1]", "{", "null", '"x"', ""]) {
			expect(await ask("POST", "/v1/groups", body), body).toEqual(notAnObject);
			expect(await ask("POST", `/v1/groups/${id}/members`, body), body).toEqual(notAnObject);
			expect(await ask("PUT", `/v1/groups/${id}`, body), body).toEqual(notAnObject);
			expect(await ask("POST", "/v1/messages", body), body).toEqual(notAnObject);
		}
		const huge = JSON.stringify({ creator: "rx-alice", name: "x".repeat(4 * 1024 * 1024) });
		expect(await ask("POST", "/v1/groups", huge)).toEqual(badRequest("body over 4 MiB"));
		expect(await ask("POST", `/v1/groups/${id}/members`, huge)).toEqual(badRequest("body over 4 MiB"));
	});

	it("each field's own message", async ({ expect }) => {
		const { id } = await setup();
		const cases: [string, string, unknown, string][] = [
			["POST", "/v1/groups", { members: [] }, "creator is empty"],
			["POST", "/v1/groups", { creator: 5 }, "creator is empty"],
			["POST", "/v1/groups", { creator: "a,b" }, "creator holds a comma"],
			["POST", "/v1/groups", { creator: "rx-a", members: "rx-b" }, "members must be a non-empty array of user ids"],
			["POST", "/v1/groups", { creator: "rx-a", members: ["rx-b", 7] }, "an id in members is empty"],
			["POST", "/v1/groups", { creator: "rx-a", members: ["a\\b"] }, "an id in members holds a quote or a backslash"],
			["POST", "/v1/groups", { creator: "rx-a", name: 5 }, "name must be a string of at most 64 KiB"],
			["POST", "/v1/groups", { creator: "rx-a", name: "x".repeat(64 * 1024 + 1) }, "name must be a string of at most 64 KiB"],
			["POST", `/v1/groups/${id}/members`, {}, "userIds must be a non-empty array of user ids"],
			["POST", `/v1/groups/${id}/members`, { userIds: [] }, "userIds must be a non-empty array of user ids"],
			["POST", `/v1/groups/${id}/members`, { userIds: "rx-carol" }, "userIds must be a non-empty array of user ids"],
			["POST", `/v1/groups/${id}/members`, { userIds: [5] }, "an id in userIds is empty"],
			["POST", `/v1/groups/${id}/members/remove`, { userIds: ["ok", ""] }, "an id in userIds is empty"],
			["DELETE", `/v1/groups/${id}/members/a%22b`, undefined, "userId holds a quote or a backslash"],
			[
				"PUT",
				"/v1/groups/abc",
				{ creator: "rx-a", createdAt: 0 },
				"groupId is not a group id (a decimal integer from 1 to 9007199254740991)",
			],
			["PUT", "/v1/groups/7777777", { createdAt: 0 }, "creator is empty"],
			[
				"PUT",
				"/v1/groups/7777777",
				{ creator: "rx-a", createdAt: 0, doNotDisturb: "x" },
				"doNotDisturb must be a non-empty array of user ids",
			],
			["PUT", "/v1/groups/7777777", { creator: "rx-a", createdAt: 0, members: {} }, "members must be a non-empty array of user ids"],
			["PUT", "/v1/groups/7777777", { creator: "rx-a", createdAt: 0, name: [] }, "name must be a string of at most 64 KiB"],
			...[undefined, "nope", -1, 1.5, true].map((createdAt): [string, string, unknown, string] => [
				"PUT",
				"/v1/groups/7777777",
				{ creator: "rx-a", createdAt },
				"createdAt must be a time (ms since 1970, or an ISO date)",
			]),
			["POST", "/v1/messages", { toUsers: [], msg: "m", digest: "d" }, "toUsers must be a non-empty array of user ids"],
			["POST", "/v1/messages", { toUsers: [""], msg: "m", digest: "d" }, "an id in toUsers is empty"],
			["POST", "/v1/messages", { toUsers: ["rx-bob"], msg: "", digest: "d" }, "msg and digest must be non-empty strings"],
			["POST", "/v1/messages", { toUsers: ["rx-bob"], msg: "m" }, "msg and digest must be non-empty strings"],
			["POST", "/v1/messages", { toUsers: ["rx-bob"], msg: 1, digest: "d" }, "msg and digest must be non-empty strings"],
			["POST", "/v1/messages", { toUsers: ["rx-bob"], msg: "m", digest: 1 }, "msg and digest must be non-empty strings"],
			["POST", "/v1/messages", { toUsers: ["rx-bob"], msg: "m".repeat(8 * 1024 + 1), digest: "d" }, "msg is over 8192 bytes"],
			["POST", `/v1/groups/${id}/messages`, { msg: "m", digest: "" }, "msg and digest must be non-empty strings"],
		];
		for (const [method, path, body, message] of cases) {
			expect(await ask(method, path, body), `${method} ${path} ${JSON.stringify(body)?.slice(0, 80)}`).toEqual(badRequest(message));
		}
	});

	it("what is taken at each limit: a name of exactly 64 KiB, no name at all (the empty name)", async ({ expect }) => {
		const nameOf = async (body: unknown) => {
			const made = await ask("POST", "/v1/groups", body);
			const { groupId } = JSON.parse(made.text) as { groupId: string };
			return [made.status, (JSON.parse((await ask("GET", `/v1/groups/${groupId}`)).text) as { name: string }).name];
		};
		const name = "é".repeat(32 * 1024);
		expect(await nameOf({ creator: "rx-a", name })).toEqual([201, name]);
		expect(await nameOf({ creator: "rx-a" })).toEqual([201, ""]);
	});

	it("what the group refuses", async ({ expect }) => {
		const { id, deleted } = await setup();
		const many = (n: number) => Array.from({ length: n }, (_, i) => `rx-m${i}`);
		const cases: [string, string, unknown, ReturnType<typeof refused>][] = [
			["POST", "/v1/groups", { creator: "rx-a", members: many(20000) }, refused(409, "GROUP_FULL", "20001 members; the limit is 20000")],
			["POST", `/v1/groups/${id}/members`, { userIds: many(20001) }, refused(409, "GROUP_FULL", "20001 ids; a group holds at most 20000")],
			[
				"PUT",
				"/v1/groups/7777777",
				{ creator: "rx-a", createdAt: 0, members: many(20000) },
				refused(409, "GROUP_FULL", "more than 20000 members"),
			],
			["POST", "/v1/groups/999999999/members", { userIds: ["rx-c"] }, refused(404, "UNKNOWN_GROUP", "no such group")],
			["DELETE", `/v1/groups/${id}/members/rx-alice`, undefined, refused(409, "REMOVE_CREATOR", "the creator cannot be removed")],
			[
				"POST",
				`/v1/groups/${id}/members/remove`,
				{ userIds: ["rx-bob", "rx-alice"] },
				refused(409, "REMOVE_CREATOR", "the creator cannot be removed"),
			],
			["PUT", `/v1/groups/${id}/members/rx-zed/dnd`, undefined, refused(404, "NO_SUCH_MEMBER", "rx-zed is not a member")],
			["DELETE", `/v1/groups/${id}/members/rx-zed/dnd`, undefined, refused(404, "NO_SUCH_MEMBER", "rx-zed is not a member")],
			["DELETE", `/v1/groups/${deleted}`, undefined, refused(404, "UNKNOWN_GROUP", "no such group")],
			["POST", `/v1/groups/${id}/messages`, { msg: "m", digest: "d" }, refused(503, "STARRTC_PROXY_OFF", "STARRTC_PROXY_URL is not set")],
			["POST", "/v1/groups/999999999/messages", { msg: "m", digest: "d" }, refused(404, "UNKNOWN_GROUP", "no such group")],
			["POST", `/v1/groups/${id}/starrtc/resync`, undefined, refused(503, "STARRTC_PROXY_OFF", "STARRTC_PROXY_URL is not set")],
			[
				"POST",
				"/v1/messages",
				{ toUsers: ["rx-bob"], msg: "m", digest: "d" },
				refused(503, "STARRTC_PROXY_OFF", "STARRTC_PROXY_URL is not set"),
			],
			[
				"PUT",
				`/v1/groups/${id}`,
				{ creator: "rx-zed", createdAt: 0 },
				refused(409, "GROUP_EXISTS", `group ${id} is here with other content; ?overwrite=true replaces it`),
			],
			[
				"PUT",
				`/v1/groups/${deleted}`,
				{ creator: "rx-alice", createdAt: 0 },
				refused(410, "GROUP_DELETED", `group ${deleted} was deleted here; only ?revive=true (restoring a backup) brings it back`),
			],
		];
		for (const [method, path, body, answer] of cases) {
			expect(await ask(method, path, body), `${method} ${path}`).toEqual(answer);
		}
	});
});

describe("the log", () => {
	afterEach(() => vi.restoreAllMocks());

	it("a change the group fails to store is a 500 INTERNAL_ERROR, and its long reason is logged cut to 200 characters", async ({
		expect,
	}) => {
		const { id } = await setup();
		const message = `disk full ${"z".repeat(300)}`;
		await failStatements(env.GROUPS.getByName(id), /INSERT/, { message });
		const reason = `group object: Error: ${message}`;
		const lines = await loggedLines(async () => {
			expect(await ask("POST", `/v1/groups/${id}/members`, { userIds: ["rx-new"] })).toEqual(refused(500, "INTERNAL_ERROR", reason));
		});
		expect(lines).toEqual([{ api: `/v1/groups/${id}/members`, outcome: "INTERNAL_ERROR", reason: reason.slice(0, 200) }]);
		await evictDurableObject(env.GROUPS.getByName(id));
		expect(JSON.parse((await ask("GET", `/v1/groups/${id}`)).text)).toMatchObject({ memberCount: 2 });
	});

	it("has one line per refusal: the path (its first 128 characters), the code and the reason", async ({ expect }) => {
		const lines: string[] = [];
		vi.spyOn(console, "log").mockImplementation((line: string) => void lines.push(line));
		await ask("GET", "/v1/nothing");
		const long = `/v1/${"p".repeat(300)}`;
		await ask("GET", long);
		await ask("GET", "/group/list.php");
		expect(lines.map((line) => JSON.parse(line))).toEqual([
			{ api: "/v1/nothing", outcome: "NOT_FOUND", reason: "no API route GET /v1/nothing" },
			{ api: long.slice(0, 128), outcome: "NOT_FOUND", reason: `no API route GET ${long.slice(0, 128)}` },
			{ api: "/group/list.php", outcome: "BAD_REQUEST", reason: "missing args" },
		]);
	});
});
