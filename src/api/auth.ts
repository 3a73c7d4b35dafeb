import { decode, verify } from "hono/jwt";
import {
	JwtAlgorithmMismatch,
	JwtHeaderInvalid,
	JwtTokenExpired,
	JwtTokenIssuedAt,
	JwtTokenNotBefore,
	JwtTokenSignatureMismatched,
} from "hono/utils/jwt/types";
import type { Settings } from "../config";
import { sameSecret } from "../shared/digest";
import { ApiError, ApiFailure } from "./errors";

/** Who is asking: the app's backend (API_TOKEN), one end user (a JWT), or nobody. */
export type Caller = { readonly kind: "app" } | { readonly kind: "user"; readonly userId: string } | { readonly kind: "anonymous" };

/** Reads `Authorization: Bearer <API_TOKEN or user JWT>`; no header is an anonymous caller. A bad token throws its ApiFailure. */
export async function identify(authorization: string | undefined, settings: Settings): Promise<Caller> {
	if (authorization === undefined) return { kind: "anonymous" };
	const token = authorization.match(/^Bearer +(\S+)$/i)?.[1];
	if (!token) throw new ApiFailure(ApiError.TokenMalformed, "Authorization must be `Bearer <token>`");
	if (settings.apiToken !== undefined && (await sameSecret(token, settings.apiToken))) return { kind: "app" };
	if (token.split(".").length !== 3) throw new ApiFailure(ApiError.TokenBadSignature, "not the API token, and not a user token");
	if (settings.userTokenSecret === undefined) {
		throw new ApiFailure(ApiError.TokenBadSignature, "user tokens are not accepted: USER_TOKEN_SECRET is not set");
	}
	return verifyUserToken(token, settings.userTokenSecret);
}

/** An end user's token: HS256 only, `sub` the user id, `exp` required. */
async function verifyUserToken(token: string, secret: string): Promise<Caller> {
	let alg: unknown;
	try {
		alg = decode(token).header.alg;
	} catch {
		throw new ApiFailure(ApiError.TokenMalformed, "the token's header or payload is not base64url JSON");
	}
	if (alg !== "HS256") throw new ApiFailure(ApiError.TokenAlgorithmRefused, `alg must be HS256, not ${JSON.stringify(alg)}`);
	let payload: Record<string, unknown>;
	try {
		payload = await verify(token, secret, { alg: "HS256" });
	} catch (error) {
		if (error instanceof JwtTokenExpired) throw new ApiFailure(ApiError.TokenExpired, "the token has expired");
		if (error instanceof JwtTokenNotBefore || error instanceof JwtTokenIssuedAt) {
			throw new ApiFailure(ApiError.TokenNotYetValid, "the token is not valid yet (nbf or iat in the future)");
		}
		if (error instanceof JwtTokenSignatureMismatched)
			throw new ApiFailure(ApiError.TokenBadSignature, "the token's signature does not match");
		if (error instanceof JwtAlgorithmMismatch || error instanceof JwtHeaderInvalid) {
			throw new ApiFailure(ApiError.TokenMalformed, "the token's header is not a plain HS256 JWT header");
		}
		throw new ApiFailure(ApiError.TokenMalformed, "the token does not parse as a JWT");
	}
	if (typeof payload.exp !== "number") throw new ApiFailure(ApiError.TokenClaimsMissing, "the token has no exp");
	if (typeof payload.sub !== "string" || payload.sub === "")
		throw new ApiFailure(ApiError.TokenClaimsMissing, "the token has no sub (the user id)");
	return { kind: "user", userId: payload.sub };
}
