import { afterAll, beforeAll, describe, it } from "vitest";
import { EDGE_ENTRY, STARRTC_ENTRY } from "../error-entries";
import { send as exchange, unixNow } from "./client";
import { type DevServer, sign, startDevServer } from "./dev-server";

// A corpus of malformed and hostile callbacks, each sent as real HTTP to `wrangler dev`,
// each with the code it must get, and each followed by a check that no group changed.
const TOKEN = "hostile-guard-token";
let dev: DevServer;
const reference: { id: string; sync: string }[] = [];

const STARRTC: Record<string, number> = { ...STARRTC_ENTRY, ...EDGE_ENTRY };

interface Raw {
	method?: string;
	path?: string;
	contentType?: string;
	body?: string;
	query?: string;
}
const encode = encodeURIComponent;
/** A correctly signed form body for `data`. */
const signed = (data: string) => `data=${encode(data)}&sign=${encode(sign(TOKEN, data))}`;
/** StarRTC puts a fresh `ts` first in every callback's data (MAX_CALLBACK_AGE_SECONDS is on with a GUARD_TOKEN). */
const stamp = (value: object) => JSON.stringify({ ts: unixNow(), ...value });
const json = (value: object) => signed(stamp(value));
/** A create as StarRTC's servers send it: the name pasted in unescaped, bare when it starts with { or [. */
const starRtcCreate = (name: string) =>
	signed(
		`{"ts":"${unixNow()}","action":"AEC_GROUP_CREATE","userId":"alice","addUsers":"alice,bob","userDefineData":${/^[{[]/.test(name) ? name : `"${name}"`}}`,
	);

/** Sends one request; the shared checker sees every answer (404 or 405 only for what StarRTC never sends). */
function send(
	{ method = "POST", path = "/eventCenter", contentType = "application/x-www-form-urlencoded", body, query }: Raw,
	nonCallbackStatus?: 404 | 405,
) {
	const init: RequestInit = { method, headers: body === undefined ? {} : { "Content-Type": contentType }, body };
	return exchange(`${dev.url}${path}${query ? `?${query}` : ""}`, init, nonCallbackStatus);
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
/** The sign's last character with its two unused low bits set: atob reads the same 20 bytes. */
const strayBits = (signed: string) => BASE64[BASE64.indexOf(signed.at(-2) ?? "A") | 3] ?? "";
const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
const many = (n: number) => Array.from({ length: n }, (_, i) => `u${i}`).join(",");

/** The corpus's size, so no case drops out unnoticed. */
const CORPUS_SIZE = 100;

/** A create that succeeds: a new group's id, which depends on how many were made before. */
const CREATED = /^\{"status":"1","data":"\d+"\}$/;

// [name, request, expected code, or OK and the exact answer (a pattern for a create's new id) of a callback that must succeed and change no existing group]
function corpus(): [string, Raw, string, (string | RegExp)?][] {
	const g = reference[0]?.id ?? "";
	const synced = reference[0]?.sync ?? "";
	const sync = { action: "AEC_GROUP_SYNC_ALL", groupId: g };
	const good = stamp(sync);
	return [
		["no body", { body: "" }, "MALFORMED_ARGUMENT"],
		["no data parameter", { body: `sign=${encode(sign(TOKEN, good))}` }, "MALFORMED_ARGUMENT"],
		["empty data", { body: signed("") }, "BAD_JSON"],
		["data not JSON", { body: signed("{action:AEC_GROUP_SYNC_ALL}") }, "BAD_JSON"],
		["data truncated JSON", { body: signed(good.slice(0, -2)) }, "BAD_JSON"],
		["data a JSON array", { body: signed(`[${good}]`) }, "BAD_JSON"],
		["data a number", { body: signed("42") }, "BAD_JSON"],
		["data null", { body: signed("null") }, "BAD_JSON"],
		["data a string", { body: signed('"AEC_GROUP_SYNC_ALL"') }, "BAD_JSON"],
		["data deeply nested arrays", { body: signed(nested(100000)) }, "BAD_JSON"],
		[
			"groupId deeply nested",
			{ body: signed(`{"ts":"${unixNow()}","action":"AEC_GROUP_SYNC_ALL","groupId":${nested(50000)}}`) },
			"MALFORMED_ARGUMENT",
		],
		["action a number", { body: json({ action: 42, groupId: g }) }, "UNKNOWN_ACTION"],
		["action an array", { body: json({ action: ["AEC_GROUP_SYNC_ALL"], groupId: g }) }, "MALFORMED_ARGUMENT"],
		["action an object", { body: json({ action: { name: "AEC_GROUP_SYNC_ALL" }, groupId: g }) }, "MALFORMED_ARGUMENT"],
		["action a boolean", { body: json({ action: true, groupId: g }) }, "MALFORMED_ARGUMENT"],
		["action null", { body: json({ action: null, groupId: g }) }, "MALFORMED_ARGUMENT"],
		["action missing", { body: json({ groupId: g }) }, "MALFORMED_ARGUMENT"],
		["action unknown", { body: json({ action: "AEC_GROUP_TAKEOVER", groupId: g }) }, "UNKNOWN_ACTION"],
		["action in lower case", { body: json({ action: "aec_group_sync_all", groupId: g }) }, "UNKNOWN_ACTION"],
		["groupId an array", { body: json({ ...sync, groupId: [g] }) }, "MALFORMED_ARGUMENT"],
		["groupId an object", { body: json({ ...sync, groupId: { id: g } }) }, "MALFORMED_ARGUMENT"],
		["groupId a boolean", { body: json({ ...sync, groupId: false }) }, "MALFORMED_ARGUMENT"],
		["groupId null", { body: json({ ...sync, groupId: null }) }, "MALFORMED_ARGUMENT"],
		["groupId missing", { body: json({ action: "AEC_GROUP_SYNC_ALL" }) }, "MALFORMED_ARGUMENT"],
		["groupId text", { body: json({ ...sync, groupId: "general" }) }, "MALFORMED_ARGUMENT"],
		["groupId negative", { body: json({ ...sync, groupId: `-${g}` }) }, "MALFORMED_ARGUMENT"],
		["groupId huge", { body: json({ ...sync, groupId: "9".repeat(40) }) }, "MALFORMED_ARGUMENT"],
		["groupId with a space inside", { body: json({ ...sync, groupId: `${g.slice(0, 3)} ${g.slice(3)}` }) }, "MALFORMED_ARGUMENT"],
		["groupId SQL", { body: json({ ...sync, groupId: `${g} OR 1=1` }) }, "MALFORMED_ARGUMENT"],
		["groupId SQL statement", { body: json({ ...sync, groupId: `${g}; DROP TABLE members;--` }) }, "MALFORMED_ARGUMENT"],
		["groupId path", { body: json({ ...sync, groupId: `../${g}` }) }, "MALFORMED_ARGUMENT"],
		["groupId hex", { body: json({ ...sync, groupId: "0x186a0" }) }, "MALFORMED_ARGUMENT"],
		["groupId never minted", { body: json({ ...sync, groupId: "987654321" }) }, "UNKNOWN_GROUP"],
		["groupId a number (accepted)", { body: json({ ...sync, groupId: Number(g) }) }, "OK", synced],
		["userId missing", { body: json({ action: "AEC_GROUP_DEL", groupId: g }) }, "MALFORMED_ARGUMENT"],
		[
			"userId an array",
			{ body: json({ action: "AEC_GROUP_ADD_USER", userId: ["alice"], groupId: g, addUsers: "x" }) },
			"MALFORMED_ARGUMENT",
		],
		[
			"userId an object",
			{ body: json({ action: "AEC_GROUP_ADD_USER", userId: { id: "alice" }, groupId: g, addUsers: "x" }) },
			"MALFORMED_ARGUMENT",
		],
		["userId a boolean", { body: json({ action: "AEC_SET_GROUP_PUSH_IGNORE", userId: true, groupId: g }) }, "MALFORMED_ARGUMENT"],
		["userId empty", { body: json({ action: "AEC_SET_GROUP_PUSH_IGNORE", userId: "", groupId: g }) }, "MALFORMED_ARGUMENT"],
		["userId only spaces", { body: json({ action: "AEC_SET_GROUP_PUSH_IGNORE", userId: "   ", groupId: g }) }, "MALFORMED_ARGUMENT"],
		["userId with a comma", { body: json({ action: "AEC_SET_GROUP_PUSH_IGNORE", userId: "alice,bob", groupId: g }) }, "MALFORMED_ARGUMENT"],
		["userId too long", { body: json({ action: "AEC_SET_GROUP_PUSH_IGNORE", userId: "a".repeat(129), groupId: g }) }, "MALFORMED_ARGUMENT"],
		[
			"userId with a bell",
			{ body: json({ action: "AEC_SET_GROUP_PUSH_IGNORE", userId: "ali\u0007ce", groupId: g }) },
			"MALFORMED_ARGUMENT",
		],
		[
			"userId with a newline",
			{ body: json({ action: "AEC_SET_GROUP_PUSH_IGNORE", userId: "alice\nbob", groupId: g }) },
			"MALFORMED_ARGUMENT",
		],
		[
			"userId with a quote (StarRTC would cut the list there)",
			{ body: json({ action: "AEC_GROUP_ADD_USER", userId: "alice", groupId: g, addUsers: 'x,q"uote' }) },
			"MALFORMED_ARGUMENT",
		],
		[
			"addUsers with a backslash",
			{ body: json({ action: "AEC_GROUP_ADD_USER", userId: "alice", groupId: g, addUsers: "back\\slash" }) },
			"MALFORMED_ARGUMENT",
		],
		[
			"userId with a trailing no-break space",
			{ body: json({ action: "AEC_SET_GROUP_PUSH_IGNORE", userId: "alice\u00a0", groupId: g }) },
			"MALFORMED_ARGUMENT",
		],
		[
			"addUsers with a zero-width space",
			{ body: json({ action: "AEC_GROUP_ADD_USER", userId: "alice", groupId: g, addUsers: "x,\u200by" }) },
			"MALFORMED_ARGUMENT",
		],
		[
			"addUsers an array",
			{ body: json({ action: "AEC_GROUP_ADD_USER", userId: "alice", groupId: g, addUsers: ["x"] }) },
			"MALFORMED_ARGUMENT",
		],
		[
			"addUsers an object",
			{ body: json({ action: "AEC_GROUP_ADD_USER", userId: "alice", groupId: g, addUsers: { x: 1 } }) },
			"MALFORMED_ARGUMENT",
		],
		[
			"addUsers only commas",
			{ body: json({ action: "AEC_GROUP_ADD_USER", userId: "alice", groupId: g, addUsers: ",,, ,," }) },
			"MALFORMED_ARGUMENT",
		],
		[
			"addUsers with NUL",
			{ body: json({ action: "AEC_GROUP_ADD_USER", userId: "alice", groupId: g, addUsers: "x,y\u0000z" }) },
			"MALFORMED_ARGUMENT",
		],
		[
			"addUsers with an unpaired surrogate",
			{ body: signed(`{"ts":"${unixNow()}","action":"AEC_GROUP_ADD_USER","userId":"alice","groupId":"${g}","addUsers":"x,\\ud800y"}`) },
			"MALFORMED_ARGUMENT",
		],
		[
			"addUsers with an over-long id",
			{ body: json({ action: "AEC_GROUP_ADD_USER", userId: "alice", groupId: g, addUsers: `x,${"测".repeat(43)}` }) },
			"MALFORMED_ARGUMENT",
		],
		[
			"addUsers with 20,001 ids",
			{ body: json({ action: "AEC_GROUP_ADD_USER", userId: "alice", groupId: g, addUsers: many(20001) }) },
			"GROUP_FULL",
		],
		[
			"removeUsers with 20,001 ids",
			{ body: json({ action: "AEC_GROUP_REMOVE_USER", userId: "alice", groupId: g, removeUsers: many(20001) }) },
			"MALFORMED_ARGUMENT",
		],
		[
			"removeUsers a boolean",
			{ body: json({ action: "AEC_GROUP_REMOVE_USER", userId: "alice", groupId: g, removeUsers: true }) },
			"MALFORMED_ARGUMENT",
		],
		[
			"removeUsers SQL (a valid id, not a member)",
			{ body: json({ action: "AEC_GROUP_REMOVE_USER", userId: "alice", groupId: g, removeUsers: "x'); DROP TABLE members;--" }) },
			"OK",
			'{"status":"1"}',
		],
		["create over the member limit", { body: json({ action: "AEC_GROUP_CREATE", userId: "alice", addUsers: many(20000) }) }, "GROUP_FULL"],
		["body over 4 MiB", { body: `data=${"x".repeat(4 * 1024 * 1024)}` }, "REQUEST_TOO_LARGE"],
		["JSON content type", { contentType: "application/json", body: good }, "MALFORMED_ARGUMENT"],
		[
			"multipart that does not parse",
			{ contentType: "multipart/form-data; boundary=xyz", body: `--xyz\r\nContent-Disposition: form-data; name="data"\r\n\r\n${good}` },
			"MALFORMED_ARGUMENT",
		],
		[
			"data sent as a file",
			{
				contentType: "multipart/form-data; boundary=xyz",
				body: `--xyz\r\nContent-Disposition: form-data; name="data"; filename="d.json"\r\n\r\n${good}\r\n--xyz--\r\n`,
			},
			"MALFORMED_ARGUMENT",
		],
		["text/plain content type (read as a form)", { contentType: "text/plain", body: signed(good) }, "OK", synced],
		// StarRTC pastes ids unescaped: what a client typed into groupId, addUsers or removeUsers names a key again.
		[
			"a delete posing as the creator (userId twice)",
			{ body: signed(`{"ts":"${unixNow()}","action":"AEC_GROUP_DEL","userId":"mallory","groupId":"${g}","userId":"alice"}`) },
			"REPEATED_FIELD",
		],
		[
			"a remove posing as the creator, the key escaped",
			{
				body: signed(
					`{"ts":"${unixNow()}","action":"AEC_GROUP_REMOVE_USER","userId":"bob","groupId":"${g}","removeUsers":"bob","user\\u0049d":"alice"}`,
				),
			},
			"REPEATED_FIELD",
		],
		[
			"a create posing as another creator",
			{
				body: signed(
					`{"ts":"${unixNow()}","action":"AEC_GROUP_CREATE","userId":"alice","addUsers":"alice,q","userId":"victor","userDefineData":"n"}`,
				),
			},
			"REPEATED_FIELD",
		],
		["data given twice", { body: `${signed(good)}&data=${encode(good)}` }, "MALFORMED_ARGUMENT"],
		["sign given twice", { body: `${signed(good)}&sign=AAAA` }, "MALFORMED_ARGUMENT"],
		["sign missing", { body: `data=${encode(good)}` }, "BAD_SIGN"],
		["sign empty", { body: `data=${encode(good)}&sign=` }, "BAD_SIGN"],
		["sign not base64", { body: `data=${encode(good)}&sign=${encode("%%%not base64%%%")}` }, "BAD_SIGN"],
		["sign truncated", { body: `data=${encode(good)}&sign=${encode(sign(TOKEN, good).slice(0, 16))}` }, "BAD_SIGN"],
		["sign with the wrong key", { body: `data=${encode(good)}&sign=${encode(sign("12345678", good))}` }, "BAD_SIGN"],
		["sign of other data", { body: `data=${encode(good)}&sign=${encode(sign(TOKEN, `${good} `))}` }, "BAD_SIGN"],
		["sign without its padding", { body: `data=${encode(good)}&sign=${encode(sign(TOKEN, good).slice(0, -1))}` }, "BAD_SIGN"],
		[
			"sign with a tab inside",
			{ body: `data=${encode(good)}&sign=${encode(`${sign(TOKEN, good).slice(0, 9)}\t${sign(TOKEN, good).slice(9)}`)}` },
			"BAD_SIGN",
		],
		[
			"sign with stray bits before the padding",
			{ body: `data=${encode(good)}&sign=${encode(`${sign(TOKEN, good).slice(0, 26)}${strayBits(sign(TOKEN, good))}=`)}` },
			"BAD_SIGN",
		],
		[
			"sign with + sent as spaces (accepted)",
			{ body: `data=${encode(good)}&sign=${sign(TOKEN, good).replaceAll("+", " ")}` },
			"OK",
			synced,
		],
		["GET with data in the query (accepted)", { method: "GET", query: signed(good) }, "OK", synced],
		["PUT", { method: "PUT", body: signed(good) }, "METHOD_NOT_ALLOWED"],
		["DELETE", { method: "DELETE", body: signed(good) }, "METHOD_NOT_ALLOWED"],
		["PATCH", { method: "PATCH", body: signed(good) }, "METHOD_NOT_ALLOWED"],
		["unknown path", { path: "/admin", body: signed(good) }, "NOT_FOUND"],
		["path traversal", { path: "/eventCenter/../../etc/passwd", body: signed(good) }, "NOT_FOUND"],
		["a name with quotes and a backslash", { body: starRtcCreate(String.raw`say "hi" \back`) }, "OK", CREATED],
		["a name with a JSON escape in it", { body: starRtcCreate(String.raw`a\b \u4e2d \"`) }, "OK", CREATED],
		['a name with "} inside', { body: starRtcCreate('end"} and "},{"more') }, "OK", CREATED],
		["a name with braces and commas", { body: starRtcCreate("a, {b}, [c]: d") }, "OK", CREATED],
		["a name that is JSON", { body: starRtcCreate('{"k":1,"n":"x"}') }, "OK", CREATED],
		["a name starting with { that is not JSON", { body: starRtcCreate('{"k":1}x "y\\') }, "OK", CREATED],
		["a name that looks like more fields", { body: starRtcCreate('x","userId":"mallory","addUsers":"mallory') }, "OK", CREATED],
		[
			"an add carrying a broken name (alice is already a member)",
			{
				body: signed(
					`{"ts":"${unixNow()}","action":"AEC_GROUP_ADD_USER","userId":"alice","groupId":"${g}","addUsers":"alice","userDefineData":"say "hi""}`,
				),
			},
			"OK",
			'{"status":"1"}',
		],
		[
			"a broken SYNC_ALL in StarRTC's layout",
			{ body: signed(`{"ts":"${unixNow()}","action":"AEC_GROUP_SYNC_ALL","groupId":"${g}"x"}`) },
			"BAD_JSON",
		],
		[
			"a quote in a create's userId",
			{ body: signed(`{"ts":"${unixNow()}","action":"AEC_GROUP_CREATE","userId":"al"ice","addUsers":"alice","userDefineData":"n"}`) },
			"BAD_JSON",
		],
		[
			"a broken name, unsigned",
			{
				body: `data=${encode(`{"ts":"${unixNow()}","action":"AEC_GROUP_CREATE","userId":"alice","addUsers":"alice","userDefineData":"a"b"}`)}`,
			},
			"BAD_SIGN",
		],
		[
			"delete by a member who is not the creator",
			{ body: json({ action: "AEC_GROUP_DEL", userId: "bob", groupId: g }) },
			"PERMISSION_DENIED",
		],
		[
			"add by a non-member",
			{ body: json({ action: "AEC_GROUP_ADD_USER", userId: "mallory", groupId: g, addUsers: "mallory" }) },
			"NOT_A_MEMBER",
		],
		[
			"remove the creator",
			{ body: json({ action: "AEC_GROUP_REMOVE_USER", userId: "alice", groupId: g, removeUsers: "alice" }) },
			"REMOVE_CREATOR",
		],
		[
			"DND by a non-member",
			{ body: json({ action: "AEC_SET_GROUP_PUSH_IGNORE_AND_SYNC_ALL", userId: "mallory", groupId: g }) },
			"NOT_A_MEMBER",
		],
	];
}

async function unchanged(): Promise<string | undefined> {
	for (const group of reference) {
		const now = (await send({ body: json({ action: "AEC_GROUP_SYNC_ALL", groupId: group.id }) })).body;
		if (now !== group.sync) return `group ${group.id} changed: ${now.slice(0, 120)}`;
	}
	return undefined;
}

beforeAll(async () => {
	dev = await startDevServer({ vars: { GUARD_TOKEN: TOKEN } });
	for (const [creator, members] of [
		["alice", "alice,bob,测试用户,😀emoji,ünï"],
		["carol", "carol,dave"],
	] as const) {
		const created = await send({
			body: json({ action: "AEC_GROUP_CREATE", userId: creator, addUsers: members, userDefineData: "reference" }),
		});
		const id = /"data":"(\d+)"/.exec(created.body)?.[1] ?? "";
		await send({ body: json({ action: "AEC_SET_GROUP_PUSH_IGNORE", userId: members.split(",")[1], groupId: id }) });
		reference.push({ id, sync: (await send({ body: json({ action: "AEC_GROUP_SYNC_ALL", groupId: id }) })).body });
	}
});

afterAll(async () => {
	await dev?.stop();
});

describe("hostile callbacks over HTTP", () => {
	it("valid CJK and emoji ids round-trip exactly", ({ expect }) => {
		expect(reference[0]?.sync).toBe('{"status":"1","data":{"groupList":"alice,bob,测试用户,😀emoji,ünï","ignoreList":"bob"}}');
	});

	it("each gets its own code, an answer StarRTC survives, and changes no group", async ({ expect }) => {
		const cases = corpus();
		expect(cases).toHaveLength(CORPUS_SIZE);
		const wrong: string[] = [];
		for (const [name, request, code, okAnswer] of cases) {
			// Only requests StarRTC never sends (another path or method) may answer other than 200.
			const answer = await send(request, code === "NOT_FOUND" ? 404 : code === "METHOD_NOT_ALLOWED" ? 405 : undefined);
			const [body, error] = code === "OK" ? [okAnswer, null] : [`{"status":"0","data":"${STARRTC[code]}"}`, code];
			const bodyRight = body instanceof RegExp ? body.test(answer.body) : answer.body === body;
			if (!bodyRight || answer.error !== error) {
				wrong.push(`${name}: ${answer.error} ${answer.body.slice(0, 80)} (expected ${code} ${String(body).slice(0, 80)})`);
			}
			const changed = await unchanged();
			if (changed) wrong.push(`${name}: ${changed}`);
		}
		expect(wrong).toEqual([]);
	});

	it("left no unhandled exception or internal error in the logs", ({ expect }) => {
		const log = dev.output();
		expect(log).not.toMatch(/Uncaught|unhandled|✘ \[ERROR\]/i);
		expect(log).not.toContain('"outcome":"INTERNAL_ERROR"');
		expect(log).toContain('"outcome":"BAD_SIGN"');
		// No secret and no member list: the 20,001 ids of one callback appear nowhere.
		expect(log).not.toContain(TOKEN);
		expect(log).not.toContain("u19999");
	});
});
