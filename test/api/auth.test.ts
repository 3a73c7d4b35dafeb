import { env } from "cloudflare:workers";
import { sign } from "hono/jwt";
import { describe, it } from "vitest";
import worker from "../../src/index";
import { TEST_USER_TOKEN_SECRET } from "../guard-token";
import { userToken, errorCode, read } from "./client";

const b64url = (value: unknown) => btoa(JSON.stringify(value)).replaceAll("=", "").replaceAll("+", "-").replaceAll("/", "_");
const now = () => Math.floor(Date.now() / 1000);
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe("who may read", () => {
	it("each bad credential gets its own code and a 401", async ({ expect }) => {
		const valid = await userToken("au-alice");
		const [header, payload] = valid.split(".");
		const cases: [string, Record<string, string>, string][] = [
			["no Authorization", {}, "TOKEN_MISSING"],
			["not Bearer", { Authorization: `Basic ${btoa("a:b")}` }, "TOKEN_MALFORMED"],
			["a wrong API token", bearer("not-the-api-token-at-all"), "TOKEN_BAD_SIGNATURE"],
			["garbage in three parts", bearer("a.b.c"), "TOKEN_MALFORMED"],
			["expired", bearer(await userToken("au-alice", { exp: now() - 10 })), "TOKEN_EXPIRED"],
			["signed with another secret", bearer(await userToken("au-alice", {}, "another-secret-0123456789")), "TOKEN_BAD_SIGNATURE"],
			["a tampered payload", bearer(`${header}.${b64url({ sub: "au-bob", exp: now() + 600 })}.${valid.split(".")[2]}`), "TOKEN_BAD_SIGNATURE"],
			["alg none", bearer(`${b64url({ alg: "none", typ: "JWT" })}.${payload}.`), "TOKEN_ALGORITHM_REFUSED"],
			["alg HS512", bearer(await sign({ sub: "au-alice", exp: now() + 600 }, TEST_USER_TOKEN_SECRET, "HS512")), "TOKEN_ALGORITHM_REFUSED"],
			["no exp", bearer(await sign({ sub: "au-alice" }, TEST_USER_TOKEN_SECRET, "HS256")), "TOKEN_CLAIMS_MISSING"],
			["no sub", bearer(await sign({ exp: now() + 600 }, TEST_USER_TOKEN_SECRET, "HS256")), "TOKEN_CLAIMS_MISSING"],
			["not valid yet", bearer(await userToken("au-alice", { nbf: now() + 600 })), "TOKEN_NOT_YET_VALID"],
		];
		for (const [name, headers, code] of cases) {
			const answer = await read("/v1/users/au-alice/groups", headers);
			expect([answer.status, errorCode(answer)], name).toEqual([401, code]);
		}
		expect((await read("/v1/users/au-alice/groups", bearer(valid))).status).toBe(200);
	});

	it("reading another user's data is FORBIDDEN (403)", async ({ expect }) => {
		const answer = await read("/v1/users/au-bob/groups", bearer(await userToken("au-alice")));
		expect([answer.status, errorCode(answer)]).toEqual([403, "FORBIDDEN"]);
	});

	it("without USER_TOKEN_SECRET no user token is accepted", async ({ expect }) => {
		const response = await worker.fetch(
			new Request("http://aec.test/v1/users/au-alice/groups", { headers: bearer(await userToken("au-alice")) }),
			{ ...env, USER_TOKEN_SECRET: undefined },
		);
		expect(response.status).toBe(401);
		expect(((await response.json()) as { error: { code: string } }).error.code).toBe("TOKEN_BAD_SIGNATURE");
	});
});
