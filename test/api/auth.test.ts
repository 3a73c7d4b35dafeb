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
		const cases: [string, Record<string, string>, string, string][] = [
			["no Authorization", {}, "TOKEN_MISSING", "this route needs Authorization: Bearer <API_TOKEN or user token>"],
			["not Bearer", { Authorization: `Basic ${btoa("a:b")}` }, "TOKEN_MALFORMED", "Authorization must be `Bearer <token>`"],
			["text before Bearer", { Authorization: `xBearer ${valid}` }, "TOKEN_MALFORMED", "Authorization must be `Bearer <token>`"],
			[
				"a second word after the token",
				{ Authorization: `Bearer ${valid} more` },
				"TOKEN_MALFORMED",
				"Authorization must be `Bearer <token>`",
			],
			["a wrong API token", bearer("not-the-api-token-at-all"), "TOKEN_BAD_SIGNATURE", "not the API token, and not a user token"],
			["garbage in three parts", bearer("a.b.c"), "TOKEN_MALFORMED", "the token's header or payload is not base64url JSON"],
			["expired", bearer(await userToken("au-alice", { exp: now() - 10 })), "TOKEN_EXPIRED", "the token has expired"],
			[
				"signed with another secret",
				bearer(await userToken("au-alice", {}, "another-secret-0123456789")),
				"TOKEN_BAD_SIGNATURE",
				"the token's signature does not match",
			],
			[
				"a tampered payload",
				bearer(`${header}.${b64url({ sub: "au-bob", exp: now() + 600 })}.${valid.split(".")[2]}`),
				"TOKEN_BAD_SIGNATURE",
				"the token's signature does not match",
			],
			[
				"alg none",
				bearer(`${b64url({ alg: "none", typ: "JWT" })}.${payload}.`),
				"TOKEN_ALGORITHM_REFUSED",
				'alg must be HS256, not "none"',
			],
			[
				"alg HS512",
				bearer(await sign({ sub: "au-alice", exp: now() + 600 }, TEST_USER_TOKEN_SECRET, "HS512")),
				"TOKEN_ALGORITHM_REFUSED",
				'alg must be HS256, not "HS512"',
			],
			["no exp", bearer(await sign({ sub: "au-alice" }, TEST_USER_TOKEN_SECRET, "HS256")), "TOKEN_CLAIMS_MISSING", "the token has no exp"],
			[
				"no sub",
				bearer(await sign({ exp: now() + 600 }, TEST_USER_TOKEN_SECRET, "HS256")),
				"TOKEN_CLAIMS_MISSING",
				"the token has no sub (the user id)",
			],
			[
				"an empty sub",
				bearer(await sign({ sub: "", exp: now() + 600 }, TEST_USER_TOKEN_SECRET, "HS256")),
				"TOKEN_CLAIMS_MISSING",
				"the token has no sub (the user id)",
			],
			[
				"not valid yet",
				bearer(await userToken("au-alice", { nbf: now() + 600 })),
				"TOKEN_NOT_YET_VALID",
				"the token is not valid yet (nbf or iat in the future)",
			],
			[
				"issued in the future",
				bearer(await userToken("au-alice", { iat: now() + 600 })),
				"TOKEN_NOT_YET_VALID",
				"the token is not valid yet (nbf or iat in the future)",
			],
			[
				"typ other than JWT",
				bearer(`${b64url({ alg: "HS256", typ: "JWS" })}.${payload}.${valid.split(".")[2]}`),
				"TOKEN_MALFORMED",
				"the token's header is not a plain HS256 JWT header",
			],
			[
				"a crit header",
				bearer(`${b64url({ alg: "HS256", crit: ["x"] })}.${payload}.${valid.split(".")[2]}`),
				"TOKEN_MALFORMED",
				"the token's header is not a plain HS256 JWT header",
			],
			["a signature that is not base64url", bearer(`${header}.${payload}.a+b`), "TOKEN_MALFORMED", "the token does not parse as a JWT"],
		];
		for (const [name, headers, code, message] of cases) {
			const answer = await read("/v1/users/au-alice/groups", headers);
			expect([answer.status, answer.json], name).toEqual([401, { error: { code, message } }]);
		}
		expect((await read("/v1/users/au-alice/groups", bearer(valid))).status).toBe(200);
		// The scheme in any case, then any number of spaces.
		expect((await read("/v1/users/au-alice/groups", { Authorization: `bearer   ${valid}` })).status).toBe(200);
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
		expect(await response.json()).toEqual({
			error: { code: "TOKEN_BAD_SIGNATURE", message: "user tokens are not accepted: USER_TOKEN_SECRET is not set" },
		});
	});
});
