import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { ConfigError, type Settings, type SettingsSource, readSettings } from "../config";
import { GetPushMode } from "../protocol/actions";
import { Answer, toResponse } from "../protocol/answer";
import { MAX_BODY_BYTES, parseCallback } from "../protocol/callback";
import { ErrorCode, type Failure, fail, ok, type Outcome } from "../protocol/errors";
import { isAllowed, rateLimitKey } from "../shared/addresses";
import { type Fields, readStarRtcData } from "../protocol/starrtc-data";
import { runGroupCommand } from "./groups";
import { isCallbackPath, loggablePath } from "./paths";
import { verifySign } from "./sign";
import { forwardToUpstream } from "./upstream";

/** The one structured line logged per callback: no member lists, no secrets. */
interface LogLine {
	action?: string;
	groupId?: string;
	requester?: string;
	outcome?: string;
	reason?: string;
	ms?: number;
}

// Values from an unauthenticated caller go into logs only as short text.
const clip = (value: unknown) => (typeof value === "string" || typeof value === "number" ? String(value).slice(0, 128) : undefined);

const utf8 = new TextDecoder();

interface Params {
	readonly data: string;
	readonly sign?: string;
}

/** What both a form body and a query string can answer. */
type Form = Pick<FormData, "getAll" | "has">;

async function readForm(request: Request): Promise<Outcome<Form>> {
	// StarRTC posts x-www-form-urlencoded; any other non-multipart body is read the same way.
	if (!request.headers.get("Content-Type")?.startsWith("multipart/form-data")) {
		return ok(new URLSearchParams(utf8.decode(await request.arrayBuffer())));
	}
	try {
		return ok(await request.formData());
	} catch {
		return fail(ErrorCode.MalformedArgument, "the multipart body does not parse");
	}
}

/** `data` and `sign` from the form body (POST) or else the query string (GET, as the docs allow). */
async function readParams(request: Request): Promise<Outcome<Params>> {
	let params: Form = new URL(request.url).searchParams;
	if (request.method === "POST") {
		const body = await readForm(request);
		if (!body.ok) return body;
		if (body.value.has("data")) params = body.value;
	}
	const data = params.getAll("data");
	const sign = params.getAll("sign");
	if (data.length === 0) return fail(ErrorCode.MalformedArgument, "no data parameter");
	if (data.length > 1 || sign.length > 1) return fail(ErrorCode.MalformedArgument, "data or sign given more than once");
	const [text, signature] = [data[0], sign[0]];
	if (typeof text !== "string" || (signature !== undefined && typeof signature !== "string")) {
		return fail(ErrorCode.MalformedArgument, "data and sign must be text fields, not files");
	}
	return ok({ data: text, sign: signature });
}

async function authenticate(settings: Settings, { data, sign }: Params): Promise<Failure | undefined> {
	if (settings.guardToken === undefined) {
		return settings.allowUnsigned ? undefined : fail(ErrorCode.UnsignedRefused, "GUARD_TOKEN is not set and ALLOW_UNSIGNED is not true");
	}
	if (sign === undefined || sign === "") return fail(ErrorCode.BadSign, "no sign");
	return (await verifySign(settings.guardToken, data, sign)) ? undefined : fail(ErrorCode.BadSign, "sign does not match data");
}

/** With MAX_CALLBACK_AGE_SECONDS set, a callback must carry a `ts` (or `timestamp`) that recent. */
function checkFreshness(settings: Settings, fields: Fields): Failure | undefined {
	const maxAge = settings.maxCallbackAgeSeconds;
	if (maxAge === undefined) return undefined;
	const ts = fields.ts ?? fields.timestamp;
	const sentAt = typeof ts === "string" || typeof ts === "number" ? Number(ts) : Number.NaN;
	if (!Number.isFinite(sentAt)) return fail(ErrorCode.StaleCallback, "no ts in data");
	const age = Math.abs(Date.now() / 1000 - sentAt);
	return age > maxAge ? fail(ErrorCode.StaleCallback, `ts is ${Math.round(age)} s away from now`) : undefined;
}

/**
 * The optional Workers Rate Limiting bindings (docs/operations.md "Rate limits"). A limiter
 * that fails lets the callback through: it guards capacity, not correctness.
 */
async function overLimit(limiter: RateLimit | undefined, key: string): Promise<boolean> {
	if (!limiter) return false;
	try {
		return !(await limiter.limit({ key })).success;
	} catch {
		return false;
	}
}

async function answerCallback(request: Request, env: SettingsSource, log: LogLine): Promise<Answer> {
	const settings = readSettings(env);
	const source = request.headers.get("CF-Connecting-IP");
	if (settings.allowedAddresses && !isAllowed(settings.allowedAddresses, source)) {
		return Answer.failure(fail(ErrorCode.SourceNotAllowed, `${clip(source ?? "no CF-Connecting-IP")} is not in AEC_ALLOWED_IPS`));
	}
	const bucket = rateLimitKey(source);
	if (await overLimit(env.CALLBACKS_PER_IP, bucket)) {
		return Answer.failure(fail(ErrorCode.RateLimited, `over the CALLBACKS_PER_IP limit for ${bucket || "no CF-Connecting-IP"}`));
	}
	const params = await readParams(request);
	if (!params.ok) return Answer.failure(params);
	const refused = await authenticate(settings, params.value);
	if (refused) return Answer.failure(refused);

	const { data, sign } = params.value;
	const fields = readStarRtcData(data);
	if (!fields.ok) return Answer.failure(fields);
	log.action = clip(fields.value.action);
	log.groupId = clip(fields.value.groupId);
	log.requester = clip(fields.value.userId);
	const stale = checkFreshness(settings, fields.value);
	if (stale) return Answer.failure(stale);

	const callback = parseCallback(fields.value, settings.maxGroupMembers);
	if (!callback.ok) return Answer.failure(callback);
	switch (callback.value.kind) {
		case "group": {
			const { command } = callback.value;
			if (command.kind !== "create" && (await overLimit(env.CALLBACKS_PER_GROUP, command.groupId))) {
				return Answer.failure(fail(ErrorCode.RateLimited, `over the CALLBACKS_PER_GROUP limit for group ${command.groupId}`));
			}
			// A replay can pass the ts check while |now - ts| <= max age: up to twice that after the first arrival.
			const maxAge = settings.maxCallbackAgeSeconds;
			return runGroupCommand(env, command, data, maxAge === undefined ? undefined : 2 * maxAge * 1000);
		}
		case "access":
			return Answer.value(callback.value.echostr);
		case "other": {
			if (settings.upstreamUrl !== undefined) {
				const relayed = await forwardToUpstream(settings.upstreamUrl, data, sign, settings.upstreamTimeoutMs);
				return relayed.ok ? Answer.relay(relayed.value) : Answer.failure(relayed);
			}
			if (callback.value.action === GetPushMode) return Answer.value(settings.pushMode);
			return Answer.failure(fail(ErrorCode.UnknownAction, `${clip(callback.value.action)} is not handled here`));
		}
	}
}

function logAndRespond(log: LogLine, answer: Answer, started: number, status?: number): Response {
	log.outcome = answer.error ?? "OK";
	log.reason = answer.reason;
	log.ms = Date.now() - started;
	console.log(JSON.stringify(log));
	return toResponse(answer, status);
}

const refuse = (code: ErrorCode, reason: string, status?: number) =>
	logAndRespond({}, Answer.failure(fail(code, reason)), Date.now(), status);

/** The AEC callback paths and /healthz. */
const callbacks = new Hono<{ Bindings: SettingsSource }>();

/**
 * For load balancers and uptime checks: 200 when every setting is valid, else
 * 500 with the variable's name in `X-AEC-Setting` (its value only in the log).
 */
callbacks.get("/healthz", (c) => {
	try {
		readSettings(c.env);
		return toResponse(Answer.done());
	} catch (error) {
		const response = refuse(ErrorCode.InternalError, String(error), 500);
		if (error instanceof ConfigError) response.headers.set("X-AEC-Setting", error.variable);
		return response;
	}
});

/**
 * Only callback paths go further, and only as GET or POST. HEAD is refused too:
 * Hono would route it to the GET handler and run the callback, and StarRTC never sends it.
 */
callbacks.use(async (c, next) => {
	let secret: string | undefined;
	try {
		secret = readSettings(c.env).pathSecret;
	} catch (error) {
		return refuse(ErrorCode.InternalError, String(error));
	}
	const { pathname } = new URL(c.req.url);
	if (!(await isCallbackPath(pathname, secret))) {
		return refuse(ErrorCode.NotFound, `no AEC endpoint at ${clip(loggablePath(pathname, secret))}`, 404);
	}
	if (c.req.method !== "GET" && c.req.method !== "POST") {
		return refuse(ErrorCode.MethodNotAllowed, "AEC callbacks are GET or POST", 405);
	}
	await next();
});

const tooLarge = bodyLimit({
	maxSize: MAX_BODY_BYTES,
	onError: () => refuse(ErrorCode.RequestTooLarge, `body over ${MAX_BODY_BYTES} bytes`),
});

callbacks.on(["GET", "POST"], "*", tooLarge, async (c) => {
	const started = Date.now();
	const log: LogLine = {};
	try {
		const answer = await answerCallback(c.req.raw, c.env, log);
		return logAndRespond(log, answer, started);
	} catch (error) {
		// Unexpected: a bug or a bad setting. StarRTC still gets a well-formed failure.
		return logAndRespond(log, Answer.failure(fail(ErrorCode.InternalError, String(error))), started);
	}
});

const unexpected = (error: Error) => refuse(ErrorCode.InternalError, String(error));

export { callbacks, unexpected };
