import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { DONE, createGroup, failure, post as postFresh, roster, syncAll, unixNow } from "../helpers";

// StarRTC pastes what a client types into `data` unescaped, ids included, and signs the result
// (measured with release 2.9.6 and its web SDK). A key named twice is how a client would speak
// for someone else, so it is refused whatever the key, and nothing changes.

// Exact texts carry a ts of their own: freshness is not what these tests are about.
const post = (data: string) => postFresh(data, { environment: { ...env, MAX_CALLBACK_AGE_SECONDS: "0" } });

/** The group as its object holds it: members in order with DND, and its version. */
async function held(groupId: string) {
	const state = await env.GROUPS.getByName(groupId).state();
	return { sync: await syncAll(groupId), version: state.ok ? state.value.version : state };
}

const fresh = () => createGroup("alice", ["bob", "carol"]);
const REFUSED: [string, string] = [failure(53), "REPEATED_FIELD"];

describe("what a client typed into an id, as StarRTC's servers sent it", () => {
	// [who tried what through the web SDK, the data as it arrived at the AEC URL]
	const measured: [string, (g: string) => string][] = [
		[
			'mallory: del "G\\",\\"userId\\":\\"alice"',
			(g) => `{"ts":"${unixNow()}","action":"AEC_GROUP_DEL","userId":"mallory","groupId":"${g}","userId":"alice"}`,
		],
		[
			'mallory: ignore "G\\",\\"userId\\":\\"carol"',
			(g) => `{"ts":"${unixNow()}","action":"AEC_SET_GROUP_PUSH_IGNORE_AND_SYNC_ALL","userId":"mallory","groupId":"${g}","userId":"carol"}`,
		],
		[
			'mallory: add G "x\\",\\"userId\\":\\"alice"',
			(g) =>
				`{"ts":"${unixNow()}","action":"AEC_GROUP_ADD_USER","userId":"mallory","groupId":"${g}","addUsers":"mallory","userId":"alice"}`,
		],
		[
			'bob: remove G "carol\\",\\"userId\\":\\"alice"',
			(g) =>
				`{"ts":"${unixNow()}","action":"AEC_GROUP_REMOVE_USER","userId":"bob","groupId":"${g}","removeUsers":"carol","userId":"alice"}`,
		],
		[
			'alice: add G "x\\",\\"userId\\":\\"victor"',
			(g) => `{"ts":"${unixNow()}","action":"AEC_GROUP_ADD_USER","userId":"alice","groupId":"${g}","addUsers":"x","userId":"victor"}`,
		],
		[
			'alice: remove G "y\\",\\"userId\\":\\"victor"',
			(g) => `{"ts":"${unixNow()}","action":"AEC_GROUP_REMOVE_USER","userId":"alice","groupId":"${g}","removeUsers":"y","userId":"victor"}`,
		],
	];
	for (const [attempt, data] of measured) {
		it(`refuses ${attempt}, changes nothing, and an honest add still works`, async ({ expect }) => {
			const group = await fresh();
			const before = await held(group);
			const sent = await post(data(group));
			expect([sent.body, sent.error]).toEqual(REFUSED);
			expect(await held(group)).toEqual(before);
			const honest = `{"ts":"${unixNow()}","action":"AEC_GROUP_ADD_USER","userId":"alice","groupId":"${group}","addUsers":"dave"}`;
			expect((await post(honest)).body).toBe(DONE);
			expect(await syncAll(group)).toBe(roster("alice,bob,carol,dave"));
		});
	}

	it('refuses alice: create "q\\",\\"userId\\":\\"victor": no group is made, for victor or anyone', async ({ expect }) => {
		const next = await fresh();
		const data = `{"ts":"${unixNow()}","action":"AEC_GROUP_CREATE","userId":"alice","addUsers":"alice,q","userId":"victor","userDefineData":"probe"}`;
		const sent = await post(data);
		expect([sent.body, sent.error]).toEqual(REFUSED);
		// Ids are minted in order: had the create gone through, the next id would be taken.
		expect(await fresh()).toBe(String(Number(next) + 1));
	});
});

describe("a field named twice", () => {
	// Every field of every group action, as StarRTC lays them out, named a second time with
	// another value (and with the same value: a key twice is refused whatever it holds).
	const layouts: Record<string, string[]> = {
		AEC_GROUP_SYNC_ALL: ["ts", "action", "groupId"],
		AEC_GROUP_DEL: ["ts", "action", "userId", "groupId"],
		AEC_GROUP_ADD_USER: ["ts", "action", "userId", "groupId", "addUsers"],
		AEC_GROUP_ADD_USER_AND_SYNC_ALL: ["ts", "action", "userId", "groupId", "addUsers"],
		AEC_GROUP_REMOVE_USER: ["ts", "action", "userId", "groupId", "removeUsers"],
		AEC_GROUP_REMOVE_USER_AND_SYNC_ALL: ["ts", "action", "userId", "groupId", "removeUsers"],
		AEC_SET_GROUP_PUSH_IGNORE: ["ts", "action", "userId", "groupId"],
		AEC_SET_GROUP_PUSH_IGNORE_AND_SYNC_ALL: ["ts", "action", "userId", "groupId"],
		AEC_UNSET_GROUP_PUSH_IGNORE: ["ts", "action", "userId", "groupId"],
		AEC_UNSET_GROUP_PUSH_IGNORE_AND_SYNC_ALL: ["ts", "action", "userId", "groupId"],
		// The name comes last and is read raw, so a create's repeat stands before it.
		AEC_GROUP_CREATE: ["ts", "action", "userId", "addUsers", "userDefineData"],
		AEC_ACCESS_VALIDATION: ["action", "echostr", "timestamp", "nonce"],
		AEC_MSG_SERVER_GET_PUSH_MODE: ["ts", "action", "userId"],
	};
	const value = (field: string, action: string, group: string): string =>
		({
			ts: unixNow(),
			action,
			userId: "alice",
			groupId: group,
			addUsers: "dave",
			removeUsers: "bob",
			userDefineData: "n",
			echostr: "e7",
			timestamp: unixNow(),
			nonce: "1",
		})[field] ?? "";
	const other: Record<string, string> = {
		ts: "1",
		action: "AEC_GROUP_SYNC_ALL",
		userId: "victor",
		groupId: "100001",
		addUsers: "victor",
		removeUsers: "carol",
		echostr: "x",
		timestamp: "1",
		nonce: "2",
	};

	for (const [action, fields] of Object.entries(layouts)) {
		const repeatable = fields.filter((field) => field !== "userDefineData");
		it(`${action}: each of ${repeatable.join(", ")} named twice is REPEATED_FIELD, and nothing changes`, async ({ expect }) => {
			const group = await fresh();
			const before = await held(group);
			for (const field of repeatable) {
				for (const again of [other[field] ?? "", value(field, action, group)]) {
					const pairs = fields.map((f) => `"${f}":${JSON.stringify(value(f, action, group))}`);
					// Right after the last id field: where a client's text ends in StarRTC's layout.
					pairs.splice(fields.includes("userDefineData") ? -1 : pairs.length, 0, `"${field}":${JSON.stringify(again)}`);
					const data = `{${pairs.join(",")}}`;
					const sent = await post(data);
					expect([sent.body, sent.error], data).toEqual(REFUSED);
				}
			}
			expect(await held(group)).toEqual(before);
		});
	}

	it("anywhere in the layout, also before the client's own text", async ({ expect }) => {
		const group = await fresh();
		const before = await held(group);
		for (const data of [
			`{"ts":"${unixNow()}","ts":"${unixNow()}","action":"AEC_GROUP_DEL","userId":"alice","groupId":"${group}"}`,
			`{"userId":"alice","ts":"${unixNow()}","action":"AEC_GROUP_DEL","userId":"alice","groupId":"${group}"}`,
			`{"ts":"${unixNow()}","action":"AEC_GROUP_DEL","action":"AEC_GROUP_DEL","userId":"alice","groupId":"${group}"}`,
		]) {
			const sent = await post(data);
			expect([sent.body, sent.error], data).toEqual(REFUSED);
		}
		expect(await held(group)).toEqual(before);
	});

	it("a name that holds a field is a name: the group's creator is the one who asked", async ({ expect }) => {
		// What StarRTC sends when alice names her group `probe","userId":"victor`.
		const data = `{"ts":"${unixNow()}","action":"AEC_GROUP_CREATE","userId":"alice","addUsers":"alice,bob","userDefineData":"probe","userId":"victor"}`;
		const sent = await post(data);
		const group = /^\{"status":"1","data":"(\d+)"\}$/.exec(sent.body)?.[1] ?? "";
		expect(await syncAll(group)).toBe(roster("alice,bob"));
		const read = await env.GROUPS.getByName(group).describe();
		expect(read.ok && [read.value.creator, read.value.name]).toEqual(["alice", 'probe","userId":"victor']);
	});
});
