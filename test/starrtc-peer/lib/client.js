// One StarRTC web-SDK client for one user, driven line by line from stdin (lib.sh's client_start/cl).
// The SDK is StarRTC's own star_rtc_lib.min.js, extracted from the web-demo repository at run time
// (never stored here), run in a Node vm: what it sends is what a browser app sends.
//
//   node client.js SDK_JS MSG_PORT USER  < commands
//
// Command lines: "<id> <op> args…", ops: login | create u1,u2 [NAME, URL-encoded] | add GID u1,u2 |
//   remove GID u1,u2 | ignore GID | unignore GID | send GID text… | del GID
// Arguments are passed to the SDK as typed, `"` included: the SDK pastes them into the callback's
// `data` unescaped, which is what the injection scenario relies on.
// stdout, JSON lines: every SDK callback as {t,user,ev,data}; every command's outcome as
// {t,user,id,cmd,result}, result = the data of the callback that ends the command, or
// {timeout:<callback name>} after WAIT_MS. The verdict is result.statusStr ("GEN_SUCCESS" or a StarRTC
// error name); result.status says "success" even for failures.
import crypto from "node:crypto";
import fs from "node:fs";
import readline from "node:readline";
import tls from "node:tls";
import vm from "node:vm";

// The SDK wants a browser WebSocket. Node's own client cannot be used: msgServer matches the handshake's
// header names case-sensitively and serves an expired self-signed certificate. So: a minimal client
// (binary frames, masked, no extensions) that writes the headers exactly as browsers do.
class WS {
	constructor(url) {
		const u = new URL(url);
		this.readyState = 0;
		this.buf = Buffer.alloc(0);
		this.open = false;
		this.sock = tls.connect({ host: u.hostname, port: +u.port, rejectUnauthorized: false });
		this.sock.on("secureConnect", () =>
			this.sock.write(
				"GET / HTTP/1.1\r\nHost: " +
					u.host +
					"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " +
					crypto.randomBytes(16).toString("base64") +
					"\r\nSec-WebSocket-Version: 13\r\n\r\n",
			),
		);
		this.sock.on("data", (d) => this.data(d));
		this.sock.on("error", (e) => this.onerror?.({ data: String(e) }));
		this.sock.on("close", () => {
			if (this.readyState !== 3) {
				this.readyState = 3;
				this.onclose?.({ code: 1006 });
			}
		});
	}
	data(d) {
		this.buf = Buffer.concat([this.buf, d]);
		if (!this.open) {
			const i = this.buf.indexOf("\r\n\r\n");
			if (i < 0) return;
			const head = this.buf.slice(0, i).toString();
			this.buf = this.buf.slice(i + 4);
			if (!/^HTTP\/1\.1 101/.test(head)) {
				this.onerror?.({ data: head });
				return this.sock.destroy();
			}
			this.open = true;
			this.readyState = 1;
			this.onopen?.({});
		}
		for (;;) {
			// one frame at a time; the server's frames are never masked
			if (this.buf.length < 2) return;
			const op = this.buf[0] & 15;
			let n = this.buf[1] & 127,
				o = 2;
			if (n === 126) {
				if (this.buf.length < 4) return;
				n = this.buf.readUInt16BE(2);
				o = 4;
			} else if (n === 127) {
				if (this.buf.length < 10) return;
				n = Number(this.buf.readBigUInt64BE(2));
				o = 10;
			}
			if (this.buf.length < o + n) return;
			const p = Buffer.from(this.buf.slice(o, o + n));
			this.buf = this.buf.slice(o + n);
			if (op === 8) {
				this.readyState = 3;
				this.sock.end();
				this.onclose?.({ code: 1000 });
				return;
			}
			if (op <= 2) this.onmessage?.({ data: new Uint8Array(p) });
		}
	}
	send(x) {
		if (this.readyState !== 1) return;
		const b = Buffer.from(x.buffer ? new Uint8Array(x.buffer, x.byteOffset, x.byteLength) : x),
			m = crypto.randomBytes(4);
		let h; // the SDK's messages are small: 7- or 16-bit lengths suffice
		if (b.length < 126) h = Buffer.from([0x82, 0x80 | b.length]);
		else {
			h = Buffer.alloc(4);
			h[0] = 0x82;
			h[1] = 0x80 | 126;
			h.writeUInt16BE(b.length, 2);
		}
		for (let k = 0; k < b.length; k++) b[k] ^= m[k & 3];
		this.sock.write(Buffer.concat([h, m, b]));
	}
	close() {
		this.readyState = 3;
		this.sock.destroy();
	}
}
class FileReader {
	readAsArrayBuffer(b) {
		b.arrayBuffer().then((ab) => {
			this.result = ab;
			this.onload?.({});
		});
	}
}

const [sdkPath, port, userId] = process.argv.slice(2);
const WAIT = +(process.env.WAIT_MS || 8000);
const ctx = { console, setTimeout, setInterval, clearInterval, clearTimeout, WebSocket: WS, FileReader, Blob };
ctx.window = ctx;
vm.createContext(ctx);
vm.runInContext(fs.readFileSync(sdkPath, "utf8"), ctx);
const S = ctx.StarRtc;
S.InitlogLevel(S.LOG_LEVEL.LOG_LEVEL_ERROR);
const sdk = new S.StarSDK();
sdk.setMsgServerInfo("127.0.0.1", +port);
const t0 = Date.now();
const out = (o) => process.stdout.write(`${JSON.stringify({ t: ((Date.now() - t0) / 1000).toFixed(2), user: userId, ...o })}\n`);

// Every SDK callback is logged; a command waits for the one callback that ends it.
let waiters = [];
const waitFor = (ev) =>
	new Promise((res) => {
		const h = setTimeout(() => res({ timeout: ev }), ev === "onLoginMessage" ? Math.max(WAIT, 10000) : WAIT);
		waiters.push({
			ev,
			res: (d) => {
				clearTimeout(h);
				res(d);
			},
		});
	});
sdk.login("", userId, (data, ev) => {
	// private mode: agentId APPID-FREE, no auth service
	const d = {};
	for (const k in data || {}) if (k !== "obj" && typeof data[k] !== "function" && data[k] !== undefined) d[k] = data[k];
	out({ ev, data: d });
	for (const w of waiters) if (w.ev === ev) w.res(d);
	waiters = waiters.filter((w) => w.ev !== ev);
});
// The SDK has no public call for (un)setting a group's do-not-disturb: send its message directly.
const groupMsg = (code, g) =>
	sdk.send(
		S.AUtils.packageProtocol(
			ctx.APP_PRODUCT_ID.t,
			ctx.ACTION_GROUP_ID.M,
			S.AUtils.constructMsgProtocol(code, { reqIndex: ++sdk.reqIndex, groupId: g }, sdk.starUser),
		),
	);

const ops = {
	login: () => waitFor("onLoginMessage"),
	create: (users, ...name) => {
		sdk.createGroup(users.split(","), name.length ? decodeURIComponent(name.join(" ")) : "probe");
		return waitFor("onCreateGroupFin");
	},
	add: (g, users) => {
		sdk.addGroupUsers(g, users.split(","));
		return waitFor("onAddGroupUserFin");
	},
	remove: (g, users) => {
		sdk.removeGroupUsers(g, users.split(","));
		return waitFor("onRemoveGroupUserFin");
	},
	ignore: (g) => {
		groupMsg(ctx.AG_MSG.Oe, g);
		return waitFor("onSetGroupMsgIgnoreFin");
	},
	unignore: (g) => {
		groupMsg(ctx.AG_MSG.Ee, g);
		return waitFor("onUnsetGroupMsgIgnoreFin");
	},
	send: (g, ...text) => {
		sdk.sendGroupMsg(g, [], JSON.stringify({ type: 1, contentData: text.join(" ") || "hi" }));
		return waitFor("onSendGroupMsgFin");
	},
	del: (g) => {
		sdk.delGroup(g);
		return waitFor("onDelGroupFin");
	},
};
// Commands run one after another, in the order they arrive.
let queue = Promise.resolve();
readline.createInterface({ input: process.stdin }).on("line", (line) => {
	queue = queue.then(() => run(line.trim()));
});
process.stdin.on("end", () =>
	queue.then(() => {
		try {
			sdk.logout();
		} catch {}
		setTimeout(() => process.exit(0), 300);
	}),
);
async function run(line) {
	const [id, op, ...args] = line.split(" ");
	let result;
	try {
		result = ops[op] ? await ops[op](...args) : { error: `unknown op ${op}` };
	} catch (e) {
		result = { exception: String(e) };
	}
	out({ id, cmd: line, result });
}
