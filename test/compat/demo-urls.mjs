#!/usr/bin/env node
// Drives one scenario through the StarRTC sample server's eventCenter.php and through this
// service, then reads the demo apps' two URLs (group/list.php, group/members.php) from both and
// compares the answers field by field: HTTP status, JSON validity, key order, types, values, list
// order. Node built-ins only. Not part of `npm test`: it needs both servers running, e.g.
//
//   STARRTC_SERVER_GIT=… test/sample-server/setup.sh        # the sample on 127.0.0.1:8088 (as root)
//   npx wrangler dev --port 8787 --var ALLOW_UNSIGNED:true --var PUBLIC_READS:true
//   node test/compat/demo-urls.mjs --sample http://127.0.0.1:8088 --ours http://127.0.0.1:8787 [--out report.json]
//
// --guard-token signs the callbacks (the sample ignores the sign); --api-token reads ours with
// the API token instead of PUBLIC_READS. Group ids differ between the two, so both answers show
// them as <G1>…<G6> (the scenario's groups, in creation order) before they are compared.
import { createHmac } from "node:crypto";
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";

const { values: opt } = parseArgs({
	options: {
		sample: { type: "string", default: "http://127.0.0.1:8088" },
		ours: { type: "string", default: "http://127.0.0.1:8787" },
		"guard-token": { type: "string" },
		"api-token": { type: "string" },
		out: { type: "string" },
	},
});

const targets = [
	{ name: "sample", base: opt.sample, ids: new Map() },
	{ name: "ours", base: opt.ours, ids: new Map(), guard: opt["guard-token"], token: opt["api-token"] },
];

// Dirty on purpose: a CJK name, a quote, a backslash, a plus and a percent; a creator left out
// of addUsers; duplicates; numeric-looking and underscored ids; an add of an empty id.
const scenario = [
	["G1", { action: "AEC_GROUP_CREATE", userId: "alice", addUsers: "alice,bob,carol", userDefineData: "plain" }],
	["G2", { action: "AEC_GROUP_CREATE", userId: "bob", addUsers: "carol,bob,dave", userDefineData: "测试群" }],
	["G3", { action: "AEC_GROUP_CREATE", userId: "alice", addUsers: "bob,007", userDefineData: 'say "hi"' }],
	["G4", { action: "AEC_GROUP_CREATE", userId: "carol", addUsers: "carol,erin", userDefineData: "back\\slash" }],
	["G5", { action: "AEC_GROUP_CREATE", userId: "dave", addUsers: "dave,alice,alice", userDefineData: "to delete" }],
	["G6", { action: "AEC_GROUP_CREATE", userId: "erin", addUsers: "erin,u_x,42,42", userDefineData: "a+b 100%" }],
	[undefined, { action: "AEC_GROUP_ADD_USER", userId: "alice", groupId: "G1", addUsers: "dave" }],
	[undefined, { action: "AEC_GROUP_ADD_USER", userId: "alice", groupId: "G1", addUsers: "bob" }],
	[undefined, { action: "AEC_GROUP_ADD_USER", userId: "alice", groupId: "G1", addUsers: "" }],
	[undefined, { action: "AEC_GROUP_ADD_USER", userId: "erin", groupId: "G6", addUsers: "alice" }],
	[undefined, { action: "AEC_SET_GROUP_PUSH_IGNORE", userId: "bob", groupId: "G1" }],
	[undefined, { action: "AEC_SET_GROUP_PUSH_IGNORE", userId: "carol", groupId: "G2" }],
	[undefined, { action: "AEC_UNSET_GROUP_PUSH_IGNORE", userId: "carol", groupId: "G2" }],
	[undefined, { action: "AEC_SET_GROUP_PUSH_IGNORE", userId: "dave", groupId: "G2" }],
	[undefined, { action: "AEC_GROUP_REMOVE_USER", userId: "alice", groupId: "G1", removeUsers: "carol" }],
	[undefined, { action: "AEC_GROUP_DEL", userId: "dave", groupId: "G5" }],
];

const users = ["alice", "bob", "carol", "dave", "erin", "007", "42", "u_x", "ALICE", "nobody"];
const labels = ["G1", "G2", "G3", "G4", "G5", "G6"];
const reads = [
	...users.map((u) => `/group/list.php?userId=${encodeURIComponent(u)}`),
	"/group/list?userId=alice",
	"/group/list.php",
	"/group/list.php?userId=",
	...labels.flatMap((g) => users.map((u) => `/group/members.php?userId=${encodeURIComponent(u)}&groupId=${g}`)),
	"/group/members?userId=bob&groupId=G1",
	"/group/members.php?userId=alice&groupId=999999",
	"/group/members.php?userId=alice",
	"/group/members.php?groupId=G1",
	"/group/members.php",
];

/** The target's real id for a label, in a path or a callback field. */
const withIds = (t, text) => text.replace(/\bG[1-6]\b/g, (label) => t.ids.get(label) ?? label);
/** The target's real ids back to labels, in an answer. */
function labelled(t, text) {
	let out = text;
	for (const [label, id] of t.ids) out = out.replace(new RegExp(`(?<!\\d)${id}(?!\\d)`, "g"), `<${label}>`);
	return out;
}

async function callback(t, fields) {
	const data = withIds(t, JSON.stringify(fields));
	let body = `data=${encodeURIComponent(data)}`;
	if (t.guard) body += `&sign=${encodeURIComponent(createHmac("sha1", t.guard).update(data).digest("base64"))}`;
	const response = await fetch(`${t.base}/eventCenter.php`, {
		method: "POST",
		headers: { "Content-Type": "application/x-www-form-urlencoded" },
		body,
	});
	return response.text();
}

async function read(t, path) {
	const response = await fetch(`${t.base}${withIds(t, path)}`, { headers: t.token ? { Authorization: `Bearer ${t.token}` } : {} });
	const text = labelled(t, await response.text());
	let json;
	try {
		json = JSON.parse(text);
	} catch {}
	return { status: response.status, type: response.headers.get("content-type"), text, json };
}

const kind = (v) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

/** Every difference between two parsed answers, as "path: sample vs ours". */
function diff(a, b, path = "", out = []) {
	if (kind(a) !== kind(b)) {
		out.push(`${path || "."}: ${kind(a)} ${JSON.stringify(a)} vs ${kind(b)} ${JSON.stringify(b)}`);
	} else if (kind(a) === "object") {
		const [ka, kb] = [Object.keys(a), Object.keys(b)];
		if (ka.join() !== kb.join()) out.push(`${path || "."}: keys ${ka.join(",")} vs ${kb.join(",")}`);
		for (const k of ka) if (k in b) diff(a[k], b[k], `${path}.${k}`, out);
	} else if (kind(a) === "array") {
		const same = (x, y) =>
			JSON.stringify(x.map((i) => JSON.stringify(i)).sort()) === JSON.stringify(y.map((i) => JSON.stringify(i)).sort());
		if (a.length === b.length && same(a, b) && JSON.stringify(a) !== JSON.stringify(b)) out.push(`${path}: same items, other order`);
		else if (a.length !== b.length) out.push(`${path}: ${a.length} items vs ${b.length}`);
		for (let i = 0; i < Math.min(a.length, b.length); i++) diff(a[i], b[i], `${path}[${i}]`, out);
	} else if (a !== b) {
		const [la, lb] = [String(a).split(","), String(b).split(",")];
		const note = la.length > 1 && la.join() === [...lb].reverse().join() ? " (reversed)" : "";
		out.push(`${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}${note}`);
	}
	return out;
}

// ---- run the scenario on both
const report = { sample: opt.sample, ours: opt.ours, date: new Date().toISOString(), callbacks: [], reads: [] };
for (const [label, fields] of scenario) {
	const answers = {};
	for (const t of targets) {
		answers[t.name] = await callback(t, fields);
		if (label) t.ids.set(label, /"data":"(\d+)"/.exec(answers[t.name])?.[1] ?? "?");
	}
	report.callbacks.push({ fields, ...answers });
	console.log(`${JSON.stringify(fields)}\n    sample ${answers.sample}\n    ours   ${answers.ours}`);
}
console.log(`ids: ${targets.map((t) => `${t.name} ${[...t.ids.values()].join(",")}`).join("; ")}`);

// Our index follows the groups asynchronously: wait until our list.php answers stop changing.
const ours = targets[1];
let last = "";
for (let round = 0; round < 40; round++) {
	const now = JSON.stringify(await Promise.all(users.map((u) => read(ours, `/group/list.php?userId=${encodeURIComponent(u)}`))));
	if (now === last) break;
	last = now;
	await new Promise((r) => setTimeout(r, 250));
}

// ---- read both and compare
let same = 0;
for (const path of reads) {
	const [a, b] = [await read(targets[0], path), await read(targets[1], path)];
	const diffs = [];
	if (a.status !== b.status) diffs.push(`HTTP ${a.status} vs ${b.status}`);
	if (a.json === undefined || b.json === undefined) {
		if (a.text !== b.text)
			diffs.push(
				`${a.json === undefined ? "sample not JSON" : ""}${a.json === undefined && b.json === undefined ? ", " : ""}${b.json === undefined ? "ours not JSON" : ""}`,
			);
	} else diffs.push(...diff(a.json, b.json));
	report.reads.push({ path, sample: a, ours: b, diffs });
	if (!diffs.length) {
		same++;
		console.log(`= ${path}  ${a.text}`);
	} else {
		console.log(`≠ ${path}\n    sample ${a.status} ${a.text}\n    ours   ${b.status} ${b.text}\n    ${diffs.join("\n    ")}`);
	}
}
console.log(
	`${same} of ${reads.length} reads answered the same; content types: sample ${report.reads[0]?.sample.type}, ours ${report.reads[0]?.ours.type}`,
);
if (opt.out) writeFileSync(opt.out, `${JSON.stringify(report, null, "\t")}\n`);
