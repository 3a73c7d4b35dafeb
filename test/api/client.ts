import { exports } from "cloudflare:workers";
import { sign } from "hono/jwt";
import { TEST_API_TOKEN, TEST_USER_TOKEN_SECRET } from "../guard-token";

/** A user's token as the app's backend would mint it. */
export const userToken = (sub: string, claims: Record<string, unknown> = {}, secret = TEST_USER_TOKEN_SECRET) =>
	sign({ sub, exp: Math.floor(Date.now() / 1000) + 600, ...claims }, secret, "HS256");

export const asApp = { Authorization: `Bearer ${TEST_API_TOKEN}` };
export const asUser = async (sub: string) => ({ Authorization: `Bearer ${await userToken(sub)}` });

/** What the API answered the app: status and JSON body (fields as the tests read them). */
export interface AppAnswer {
	readonly status: number;
	readonly json: Record<string, unknown> & {
		groupId?: string;
		memberCount?: number;
		result?: string;
		error?: { code: string; message: string };
	};
}

/** A call to the API as the app's backend (API token, JSON body) through the Worker's fetch handler. */
export async function appCall(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<AppAnswer> {
	const response = await exports.default.fetch(
		new Request(`http://aec.test${path}`, {
			method,
			headers: { ...asApp, "Content-Type": "application/json", ...headers },
			body: body === undefined ? undefined : JSON.stringify(body),
		}),
	);
	return { status: response.status, json: (await response.json()) as AppAnswer["json"] };
}

/** A group made by the app (POST /v1/groups); its id. */
export async function appCreate(creator: string, members: string[], name = "g"): Promise<string> {
	const created = await appCall("POST", "/v1/groups", { creator, members, name });
	if (created.status !== 201) throw new Error(`create failed: ${JSON.stringify(created.json)}`);
	return String(created.json.groupId);
}

export interface Read {
	readonly status: number;
	readonly json: unknown;
	readonly text: string;
	readonly headers: Headers;
}

/** A GET to the read API through the Worker's fetch handler. */
export async function read(path: string, headers: Record<string, string> = {}): Promise<Read> {
	const response = await exports.default.fetch(new Request(`http://aec.test${path}`, { headers }));
	const text = await response.text();
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch {
		throw new Error(`the API answered something that is not JSON: ${text.slice(0, 200)}`);
	}
	return { status: response.status, json, text, headers: response.headers };
}

/** The code of a /v1 error body, checking its shape. */
export function errorCode({ json }: Read): string {
	const body = json as { error?: { code?: unknown; message?: unknown } };
	if (typeof body.error?.code !== "string" || typeof body.error.message !== "string") {
		throw new Error(`not an error body: ${JSON.stringify(json)}`);
	}
	return body.error.code;
}
