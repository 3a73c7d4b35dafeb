// @ts-check
/**
 * The operators' console: finds a user's groups, opens a group, and changes it,
 * all through this origin's /v1 API with the API token (docs/console.md).
 *
 * Safe by construction: every datum reaches the page as text. `h()` appends
 * strings as Text nodes and sets attributes with setAttribute; nothing here
 * parses HTML (no innerHTML, outerHTML, insertAdjacentHTML, document.write;
 * test/source/console.test.ts checks). The token lives in this tab's
 * sessionStorage and leaves it only as an Authorization header to this origin.
 */

const TOKEN_KEY = "aec-console-token";
const MEMBERS_PER_PAGE = 50;
const GROUPS_PER_PAGE = 100;
/** Pages read when looking for one member or one group in full lists. */
const SCAN_PAGE = 1000;
/** How many of a group's latest versions the history shows at once. */
const HISTORY_SPAN = 20;

const main = /** @type {HTMLElement} */ (document.getElementById("main"));
const nav = /** @type {HTMLElement} */ (document.getElementById("nav"));

// ---------------------------------------------------------------- the page, as text

/** @typedef {Node | string | number | boolean | null | undefined | ChildList} Child */
/** @typedef {Array<Child>} ChildList */

/**
 * An element; props are attributes (set as text), `on…` listeners, or `class`.
 * Children that are not nodes become Text nodes: never markup.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, unknown>} [props]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
function h(tag, props = {}, ...children) {
	const element = document.createElement(tag);
	for (const [name, value] of Object.entries(props)) {
		if (value === undefined || value === null || value === false) continue;
		if (name.startsWith("on") && typeof value === "function") {
			element.addEventListener(name.slice(2), /** @type {EventListener} */ (value));
		} else if (name === "class") {
			element.className = String(value);
		} else {
			element.setAttribute(name, value === true ? "" : String(value));
		}
	}
	put(element, children);
	return element;
}

/**
 * @param {Element} parent
 * @param {Child[]} children
 */
function put(parent, children) {
	for (const child of children) {
		if (Array.isArray(child)) put(parent, child);
		else if (child instanceof Node) parent.append(child);
		else if (child !== null && child !== undefined && child !== false && child !== true) parent.append(String(child));
	}
}

/**
 * @param {Element} element
 * @param {...Child} children
 */
function fill(element, ...children) {
	element.replaceChildren();
	put(element, children);
}

/** @param {string} text */
const code = (text) => h("code", {}, text);

/** An id or a name as the API holds it, shown as text in a quoted, visible box. */
const datum = (/** @type {string} */ text) => h("span", { class: "datum" }, text === "" ? h("em", {}, "(empty)") : text);

const userHref = (/** @type {string} */ id) => `#/user/${encodeURIComponent(id)}`;
const groupHref = (/** @type {string} */ id) => `#/group/${encodeURIComponent(id)}`;
const userLink = (/** @type {string} */ id) => h("a", { href: userHref(id) }, datum(id));
const groupLink = (/** @type {string} */ id) => h("a", { href: groupHref(id) }, id);

/** @param {unknown} value a time as the API gives it: ISO text or ms since 1970 */
function when(value) {
	const date = new Date(typeof value === "number" || typeof value === "string" ? value : Number.NaN);
	if (Number.isNaN(date.getTime())) return h("span", {}, value === undefined ? "—" : String(value));
	const iso = date.toISOString();
	return h("time", { datetime: iso }, `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`);
}

const now = () => new Date().toISOString().slice(11, 19);

/** A member's join time; null for a member from before the service kept join times. */
function joinedAt(/** @type {unknown} */ value) {
	if (value !== null && value !== undefined) return when(value);
	return h(
		"span",
		{ class: "unknown", title: "Not known: this member joined before the service kept join times." },
		h("span", { "aria-hidden": "true" }, "—"),
		h("span", { class: "visually-hidden" }, "not known (joined before join times were kept)"),
	);
}

/**
 * A labelled field.
 * @param {string} id
 * @param {string} label
 * @param {Record<string, unknown>} [props]
 * @param {Child} [hint]
 */
function field(id, label, props = {}, hint) {
	const hintId = hint ? `${id}-hint` : undefined;
	const control =
		props.multiline === true
			? h("textarea", { id, rows: 3, "aria-describedby": hintId, ...props, multiline: undefined })
			: h("input", { id, type: "text", autocomplete: "off", spellcheck: "false", "aria-describedby": hintId, ...props });
	return h("p", { class: "field" }, h("label", { for: id }, label), control, hint ? h("span", { class: "hint", id: hintId }, hint) : null);
}

/**
 * @param {string} id
 * @returns {HTMLInputElement}
 */
const input = (id) => /** @type {HTMLInputElement} */ (document.getElementById(id));

/** Ids typed one per line or separated by commas (an id may hold spaces, never a comma). */
const idList = (/** @type {string} */ text) =>
	text
		.split(/[,\n]/)
		.map((id) => id.replace(/^[ \t]+|[ \t]+$/g, ""))
		.filter(Boolean);

// ---------------------------------------------------------------- the API

/**
 * @typedef {object} Answer
 * @property {boolean} ok
 * @property {number} status 0: no answer (network)
 * @property {any} json
 * @property {string} [code] the error code of a refusal
 * @property {string} [message]
 * @property {string} request e.g. "POST /v1/groups"
 */

const token = {
	get: () => sessionStorage.getItem(TOKEN_KEY),
	/** @param {string} value */
	set: (value) => sessionStorage.setItem(TOKEN_KEY, value),
	clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** Bumped by every navigation and sign-out: a read that finishes for an older one is dropped, never shown. */
let generation = 0;

/**
 * One call to /v1 with the API token as a bearer header. Never cached: what is shown is what the service holds.
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 * @param {Record<string, string>} [headers]
 * @returns {Promise<Answer>}
 */
async function call(method, path, body, headers = {}) {
	const request = `${method} ${path}`;
	/** @type {Record<string, string>} */
	const sent = { ...headers, Authorization: `Bearer ${token.get() ?? ""}` };
	if (body !== undefined) sent["Content-Type"] = "application/json";
	let response;
	try {
		response = await fetch(path, {
			method,
			headers: sent,
			body: body === undefined ? undefined : JSON.stringify(body),
			cache: "no-store",
			credentials: "omit",
			redirect: "error",
		});
	} catch (error) {
		return { ok: false, status: 0, json: undefined, code: "NO_ANSWER", message: `the service did not answer (${error})`, request };
	}
	const text = await response.text();
	let json;
	try {
		json = JSON.parse(text);
	} catch {
		json = undefined;
	}
	const answer = { ok: response.ok, status: response.status, json, code: json?.error?.code, message: json?.error?.message, request };
	if (response.status === 401) signOut(`The service refused the token (${answer.code ?? 401}): ${answer.message ?? ""} Sign in again.`);
	return answer;
}

/** Plain words for the refusals an operator meets here. */
const EXPLAIN = {
	REMOVE_CREATOR: "The creator cannot be removed from their group; delete the group instead.",
	NO_SUCH_MEMBER: "That user is not a member of this group.",
	GROUP_FULL: "The group would hold more members than MAX_GROUP_MEMBERS allows.",
	UNKNOWN_GROUP: "No such group: it was deleted, or never created.",
	BAD_REQUEST: "The service did not take a value as given (see the message).",
	FORBIDDEN: "This token may not do that: the console needs the API token (API_TOKEN), not a user token.",
	IDEMPOTENCY_KEY_REUSED: "This form was already sent with other values; send it again.",
	STARRTC_REFUSED: "StarRTC's proxy refused or did not answer (its words above); nothing changed here. Try again once it is back.",
	STARRTC_PROXY_OFF: "STARRTC_PROXY_URL is not set, so there is no StarRTC proxy to send to.",
	NO_ANSWER: "Check the network, and that the service runs.",
};

/** @param {Answer} answer */
function refusal(answer) {
	const why = answer.code ? EXPLAIN[/** @type {keyof typeof EXPLAIN} */ (answer.code)] : undefined;
	return h(
		"p",
		{ class: "error" },
		h("strong", {}, answer.code ?? `HTTP ${answer.status}`),
		": ",
		answer.message ?? "",
		why ? h("span", { class: "why" }, ` ${why}`) : null,
	);
}

/**
 * What an action answered: the request, the status and the body, as text.
 * @param {string} title
 * @param {Answer} answer
 */
function answerBox(title, answer) {
	return h(
		"div",
		{ class: answer.ok ? "answer ok" : "answer failed" },
		h("p", {}, h("strong", {}, title), ` — ${answer.ok ? "done" : "refused"} at ${now()} UTC`),
		answer.ok ? null : refusal(answer),
		h(
			"details",
			{},
			h("summary", {}, `Answer: HTTP ${answer.status || "none"} to ${answer.request}`),
			h("pre", {}, answer.json === undefined ? "(no JSON body)" : JSON.stringify(answer.json, null, 2)),
		),
	);
}

// ---------------------------------------------------------------- sign in and out

function signOut(/** @type {string} */ why = "") {
	token.clear();
	generation++;
	renderSignIn(why);
}

/** @param {string} [why] */
function renderSignIn(why) {
	nav.hidden = true;
	nav.replaceChildren();
	const form = h(
		"form",
		{ class: "card", novalidate: true },
		// No `name` on the field: even a native submission (impossible under the CSP's form-action 'none') would carry nothing.
		field("token", "API token", { type: "password", required: true, autocomplete: "off" }, [
			"The service's ",
			code("API_TOKEN"),
			". Kept in this browser tab only (sessionStorage) until you sign out or close the tab, and sent only as an ",
			code("Authorization"),
			" header to this site. Running locally? ",
			code("npm run dev"),
			" prints one.",
		]),
		h("p", {}, h("button", { type: "submit" }, "Sign in")),
		h("div", { id: "sign-in-result", role: "status" }, why ? h("p", { class: "error" }, why) : null),
	);
	form.addEventListener("submit", async (event) => {
		event.preventDefault();
		const value = input("token").value.trim();
		const result = /** @type {HTMLElement} */ (document.getElementById("sign-in-result"));
		if (!value) return fill(result, h("p", { class: "error" }, "Paste the API token first."));
		token.set(value);
		fill(result, h("p", {}, "Checking the token…"));
		// A read any API token may make; a user token may read only its own user.
		const probe = await call("GET", "/v1/users/console-sign-in/groups?limit=1");
		if (probe.status === 401) return;
		if (!probe.ok) {
			token.clear();
			return fill(result, refusal(probe));
		}
		route();
	});
	fill(
		main,
		h("h1", { tabindex: -1 }, "Sign in"),
		h("p", {}, "The console reads and changes this service's groups with its API token."),
		form,
	);
	input("token").focus();
}

function renderNav() {
	nav.hidden = false;
	fill(
		nav,
		h(
			"ul",
			{},
			h("li", {}, h("a", { href: "#/" }, "Find")),
			h("li", {}, h("a", { href: "#/create" }, "Create a group")),
			h("li", {}, h("button", { type: "button", class: "link", onclick: () => signOut("Signed out.") }, "Sign out")),
		),
	);
}

// ---------------------------------------------------------------- routes

function route() {
	generation++;
	if (!token.get()) return renderSignIn();
	renderNav();
	/** @type {string[]} */
	let parts = [];
	try {
		parts = location.hash.startsWith("#/") ? location.hash.slice(2).split("/").map(decodeURIComponent) : [];
	} catch {
		parts = [];
	}
	const [page, id, sub, arg] = parts;
	if (page === "user" && id) return userView(id);
	if (page === "group" && id) return groupView(id, sub === "check" ? arg : undefined);
	if (page === "create") return createView();
	return homeView();
}

/** A view's heading, focused so that keyboard and screen-reader users start there. */
function heading(/** @type {Child[]} */ ...text) {
	const title = h("h1", { tabindex: -1 }, ...text);
	queueMicrotask(() => title.focus());
	return title;
}

/**
 * A form that goes to a route.
 * @param {string} id
 * @param {string} label
 * @param {string} button
 * @param {(value: string) => string} target
 * @param {Child} [hint]
 * @param {string} [value]
 */
function goForm(id, label, button, target, hint, value) {
	const form = h(
		"form",
		{ class: "go", novalidate: true },
		field(id, label, { required: true, value }, hint),
		h("button", { type: "submit" }, button),
	);
	form.addEventListener("submit", (event) => {
		event.preventDefault();
		const text = input(id).value.replace(/^[ \t]+|[ \t]+$/g, "");
		if (text) location.hash = target(text);
	});
	return form;
}

function homeView() {
	fill(
		main,
		heading("Find a user or a group"),
		h(
			"div",
			{ class: "grid" },
			h(
				"section",
				{ class: "card", "aria-labelledby": "find-user" },
				h("h2", { id: "find-user" }, "A user's groups"),
				goForm("user-id", "User id", "Show their groups", userHref, "Every group they are in, with DND and when they joined."),
			),
			h(
				"section",
				{ class: "card", "aria-labelledby": "open-group" },
				h("h2", { id: "open-group" }, "A group"),
				goForm("group-id", "Group id", "Open the group", groupHref, "Its members, where StarRTC's copy stands, and changes."),
			),
		),
		h(
			"section",
			{ class: "card", "aria-labelledby": "why" },
			h("h2", { id: "why" }, "“User X gets no messages from group G”"),
			h(
				"ol",
				{},
				h(
					"li",
					{},
					"Open group G and use ",
					h("strong", {}, "Check a member"),
					" with X: it says whether X is a member, their DND, and whether StarRTC has been told.",
				),
				h(
					"li",
					{},
					"Not a member? Add them there. DND on? Turn it off. StarRTC not told yet? Its last error is shown, and ",
					h("strong", {}, "Resync StarRTC now"),
					" sends it the whole group.",
				),
			),
			h("p", {}, "Or ", h("a", { href: "#/create" }, "create a group"), "."),
		),
	);
}

// ---------------------------------------------------------------- a user's groups

/**
 * Reads every page of a list until `found` says stop.
 * @param {(cursor: string | undefined) => string} pathOf
 * @param {(page: any) => any[]} itemsOf
 * @param {(item: any) => boolean} found
 * @returns {Promise<{ item?: any, answer: Answer }>}
 */
async function scan(pathOf, itemsOf, found) {
	/** @type {string | undefined} */
	let cursor;
	for (;;) {
		const answer = await call("GET", pathOf(cursor));
		if (!answer.ok) return { answer };
		const item = itemsOf(answer.json).find(found);
		if (item || !answer.json.next) return { item, answer };
		cursor = answer.json.next;
	}
}

/** @param {string} userId */
async function userView(userId) {
	const mine = generation;
	/** @type {(string | undefined)[]} */
	const cursors = [undefined];
	let pageIndex = 0;
	const meta = h("div", { class: "meta", role: "status" });
	const list = h("div", { "aria-live": "polite" });
	const reload = h("button", { type: "button", onclick: () => load() }, "Reload");
	fill(
		main,
		heading("User ", datum(userId)),
		h("p", { class: "actions" }, reload),
		meta,
		h("section", { "aria-labelledby": "user-groups" }, h("h2", { id: "user-groups" }, "Groups"), list),
		h(
			"section",
			{ class: "card", "aria-labelledby": "check-group" },
			h("h2", { id: "check-group" }, "Is this user in a group?"),
			goForm("check-group-id", "Group id", "Check in the group", (id) => `${groupHref(id)}/check/${encodeURIComponent(userId)}`, [
				"Opens the group and checks its own member list, which is always current.",
			]),
		),
	);

	async function load() {
		meta.classList.add("busy");
		fill(meta, "Reading…");
		list.setAttribute("aria-busy", "true");
		const cursor = cursors[pageIndex];
		const answer = await call(
			"GET",
			`/v1/users/${encodeURIComponent(userId)}/groups?limit=${GROUPS_PER_PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
		);
		if (mine !== generation) return;
		meta.classList.remove("busy");
		list.removeAttribute("aria-busy");
		if (!answer.ok) {
			list.classList.add("stale");
			return fill(meta, refusal(answer), "What is below (if anything) is not current.");
		}
		list.classList.remove("stale");
		/** @type {any[]} */
		const groups = answer.json.groups;
		fill(
			meta,
			`Read at ${now()} UTC from the user index, which follows each group within tens of milliseconds of a change. `,
			"A group's own page is always current.",
		);
		const first = pageIndex * GROUPS_PER_PAGE;
		if (groups.length === 0 && pageIndex === 0) {
			return fill(list, h("p", { class: "empty" }, datum(userId), " is in no group. Expected one? Check it below, or open the group."));
		}
		const table = h(
			"table",
			{},
			h("caption", {}, `Groups ${first + 1}–${first + groups.length}, in the order the user joined them`),
			h("thead", {}, h("tr", {}, ...["Group", "Name", "Creator", "DND", "Joined"].map((label) => h("th", { scope: "col" }, label)))),
			h(
				"tbody",
				{},
				groups.map((group) =>
					h(
						"tr",
						{},
						h("td", { "data-label": "Group" }, groupLink(group.groupId)),
						h("td", { "data-label": "Name" }, datum(group.name)),
						h("td", { "data-label": "Creator" }, userLink(group.creator)),
						h("td", { "data-label": "DND" }, group.doNotDisturb ? h("strong", {}, "on") : "off"),
						h("td", { "data-label": "Joined" }, when(group.joinedAt)),
					),
				),
			),
		);
		fill(
			list,
			table,
			pager(pageIndex, answer.json.next, "groups", (index, next) => {
				if (next !== undefined) cursors[index] = next;
				pageIndex = index;
				load();
			}),
		);
	}
	await load();
}

/**
 * Previous / next page buttons for a cursor list.
 * @param {number} index
 * @param {string | undefined} next
 * @param {string} what
 * @param {(index: number, next?: string) => void} go
 */
function pager(index, next, what, go) {
	if (index === 0 && !next) return null;
	return h(
		"p",
		{ class: "pager" },
		index > 0 ? h("button", { type: "button", onclick: () => go(index - 1) }, `Previous ${what}`) : null,
		next ? h("button", { type: "button", onclick: () => go(index + 1, next) }, `Next ${what}`) : null,
	);
}

// ---------------------------------------------------------------- a group

/** What a create answered, to be shown on the new group's page. @type {Answer | undefined} */
let handedOver;

/** Focuses the control with this data-key, if it is on the page. */
function focusKey(/** @type {string} */ key) {
	const element = main.querySelector(`[data-key="${CSS.escape(key)}"]`);
	if (element instanceof HTMLElement) element.focus();
	return element instanceof HTMLElement;
}

/**
 * @param {string} groupId
 * @param {string} [checkUser] a user to check at once
 */
async function groupView(groupId, checkUser) {
	const mine = generation;
	const base = `/v1/groups/${encodeURIComponent(groupId)}`;
	/** @type {(string | undefined)[]} */
	const cursors = [undefined];
	let pageIndex = 0;
	let historyAfter = /** @type {number | undefined} */ (undefined);
	let busy = false;
	/** @type {any} */
	let info;
	/** @type {any[]} */
	let members = [];
	/** Members of the page shown whose DND the latest read changed, and those new on it. @type {Set<string>} */
	let changedRows = new Set();
	/** @type {Set<string>} */
	let newRows = new Set();

	const meta = h("div", { class: "meta", role: "status" });
	const result = h("div", { class: "result", "aria-live": "polite" });
	const summary = h("section", { "aria-labelledby": "summary-h" });
	const starrtc = h("section", { "aria-labelledby": "starrtc-h" });
	const webhooks = h("section", { "aria-labelledby": "webhooks-h", hidden: true });
	const history = h("section", { "aria-labelledby": "history-h", hidden: true });
	const memberList = h("div", {});
	const checkResult = h("div", { "aria-live": "polite" });
	const body = h("div", { class: "group", hidden: true });
	const gone = h("section", { class: "card gone", hidden: true, "aria-labelledby": "gone-h" });
	const title = h("span", {});

	const addForm = h(
		"form",
		{ class: "card", novalidate: true },
		h("h3", {}, "Add members"),
		field(
			"add-ids",
			"User ids to add",
			{ multiline: true, required: true },
			"One per line, or separated by commas. Members already in stay as they are.",
		),
		h("p", {}, h("button", { type: "submit" }, "Add")),
	);
	addForm.addEventListener("submit", (event) => {
		event.preventDefault();
		const ids = idList(input("add-ids").value);
		if (ids.length === 0) return fill(result, h("p", { class: "error" }, "Type at least one user id to add."));
		act(`Add ${ids.length === 1 ? ids[0] : `${ids.length} users`}`, "POST", `${base}/members`, { userIds: ids }).then((done) => {
			if (done) input("add-ids").value = "";
		});
	});

	const checkForm = h(
		"form",
		{ class: "go", novalidate: true },
		field(
			"check-id",
			"User id",
			{ required: true, value: checkUser },
			"Is this user a member, with DND on or off, and has StarRTC been told?",
		),
		h("button", { type: "submit" }, "Check"),
	);
	checkForm.addEventListener("submit", (event) => {
		event.preventDefault();
		const id = input("check-id").value.replace(/^[ \t]+|[ \t]+$/g, "");
		if (id) check(id);
	});

	const deleteForm = h(
		"form",
		{ class: "card danger", novalidate: true },
		h("h2", { id: "delete-h" }, "Delete this group"),
		h(
			"p",
			{},
			"Every member leaves it and StarRTC is told; a deleted group's id is never given to a new group, and the group comes back only from a backup (an import with ?revive=true).",
		),
		field("confirm-id", `Type the group id, ${groupId}, to confirm`, { required: true, inputmode: "numeric" }),
		h("p", {}, h("button", { type: "submit", class: "destructive" }, `Delete group ${groupId}`)),
	);
	deleteForm.addEventListener("submit", (event) => {
		event.preventDefault();
		const typed = input("confirm-id").value.trim();
		if (typed !== groupId) {
			fill(result, h("p", { class: "error" }, `Not deleted: type ${groupId} exactly to confirm (you typed “${typed}”).`));
			return;
		}
		act(`Delete group ${groupId}`, "DELETE", base);
	});

	fill(
		main,
		heading("Group ", groupId, title),
		h("p", { class: "actions" }, h("button", { type: "button", onclick: () => refresh() }, "Reload")),
		meta,
		result,
		gone,
		body,
	);
	fill(
		body,
		summary,
		h("section", { class: "card", "aria-labelledby": "check-h" }, h("h2", { id: "check-h" }, "Check a member"), checkForm, checkResult),
		h("section", { "aria-labelledby": "members-h" }, h("h2", { id: "members-h" }, "Members"), memberList, addForm),
		starrtc,
		webhooks,
		history,
		deleteForm,
	);
	if (handedOver) {
		fill(result, answerBox("Created the group", handedOver));
		handedOver = undefined;
	}

	/** Reads the group, the page of members shown and its history; true when all of it is current. */
	async function refresh() {
		meta.classList.add("busy");
		fill(meta, "Reading…");
		body.setAttribute("aria-busy", "true");
		const cursor = cursors[pageIndex];
		const [group, page] = await Promise.all([
			call("GET", base),
			call("GET", `${base}/members?limit=${MEMBERS_PER_PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`),
		]);
		if (mine !== generation) return false;
		meta.classList.remove("busy");
		body.removeAttribute("aria-busy");
		if (group.code === "UNKNOWN_GROUP") {
			info = undefined;
			fill(title);
			fill(meta, `Read at ${now()} UTC.`);
			body.hidden = true;
			gone.hidden = false;
			fill(
				gone,
				h("h2", { id: "gone-h" }, `No group ${groupId} here`),
				h("p", {}, "It was deleted, or never created. A deleted group's id is never given to a new group."),
				h("p", {}, h("a", { href: "#/create" }, "Create a group")),
			);
			return true;
		}
		if (!group.ok || !page.ok) {
			// Nothing read yet: nothing to show. Read before: shown greyed, and said to be old.
			body.hidden = !info;
			body.classList.add("stale");
			fill(meta, refusal(group.ok ? page : group), info ? "What is below was read earlier and may not be current: reload." : "");
			return false;
		}
		body.classList.remove("stale");
		body.hidden = false;
		gone.hidden = true;
		info = group.json;
		if (page.json.members.length === 0 && pageIndex > 0) {
			pageIndex--;
			return refresh();
		}
		const before = new Map(members.map((m) => [m.userId, m.doNotDisturb]));
		members = page.json.members;
		changedRows = new Set(members.filter((m) => before.has(m.userId) && before.get(m.userId) !== m.doNotDisturb).map((m) => m.userId));
		newRows = new Set(before.size > 0 ? members.filter((m) => !before.has(m.userId)).map((m) => m.userId) : []);
		fill(title, " ", datum(info.name));
		fill(meta, `Read at ${now()} UTC: the group's own state, current as of then.`);
		renderSummary();
		renderStarRtc();
		renderWebhooks();
		renderMembers(page.json.next);
		await renderHistory();
		return mine === generation;
	}

	function renderSummary() {
		fill(
			summary,
			h("h2", { id: "summary-h" }, "Summary"),
			h(
				"dl",
				{},
				h("dt", {}, "Name"),
				h("dd", {}, datum(info.name)),
				h("dt", {}, "Creator"),
				h("dd", {}, userLink(info.creator)),
				h("dt", {}, "Created"),
				h("dd", {}, when(info.createdAt)),
				h("dt", {}, "Version"),
				h("dd", {}, String(info.version), h("span", { class: "hint" }, " (counts every change)")),
				h("dt", {}, "Members"),
				h("dd", {}, String(info.memberCount)),
			),
		);
	}

	/** Where StarRTC's copy of the group stands, in a sentence first. */
	function starRtcSentence() {
		const s = info.starrtc;
		if (!s) return "Not shown: this token is not the API token.";
		if (!s.proxy) {
			return "STARRTC_PROXY_URL is not set: changes made here reach StarRTC only when it next asks for the whole group (after a groupServer restart).";
		}
		if (s.pending) {
			return `Waiting: StarRTC holds every change up to version ${s.toldVersion} of ${info.version}; the rest is being delivered. Until then StarRTC may route messages by the older member list.`;
		}
		return `Current: StarRTC holds every change (version ${info.version}).`;
	}

	function renderStarRtc() {
		const s = info.starrtc ?? {};
		fill(
			starrtc,
			h("h2", { id: "starrtc-h" }, "StarRTC"),
			h("p", { class: s.pending || s.lastErrorCurrent ? "warn" : "" }, starRtcSentence()),
			h(
				"dl",
				{},
				h("dt", {}, "Telling StarRTC"),
				h("dd", {}, s.proxy ? "on" : "off"),
				h("dt", {}, "Pending"),
				h("dd", {}, s.pending ? "yes" : "no"),
				s.pending ? [h("dt", {}, "Told up to version"), h("dd", {}, String(s.toldVersion))] : null,
				h("dt", {}, "Last error"),
				h("dd", {}, s.lastError ? [datum(s.lastError), " at ", when(s.lastErrorAt)] : "none"),
				s.lastError
					? [
							h("dt", {}, "That error is"),
							h("dd", {}, s.lastErrorCurrent ? "current: the latest try failed" : "old: that change has since gone through"),
						]
					: null,
			),
			s.proxy
				? h(
						"div",
						{ class: "resync" },
						h(
							"button",
							{
								type: "button",
								"data-key": "resync",
								"aria-describedby": "resync-hint",
								onclick: () =>
									act("Resync StarRTC", "POST", `${base}/starrtc/resync`, undefined, (json) => [
										"StarRTC's proxy took the whole group at version ",
										String(json?.version),
										".",
									]),
							},
							"Resync StarRTC now",
						),
						h(
							"p",
							{ class: "hint", id: "resync-hint" },
							"Sends StarRTC the whole group now (members and DND), then tries the waiting changes at once instead of after their backoff. ",
							"For a StarRTC that lost the group (a groupServer restart), or to see whether its proxy takes changes again. Changes nothing here. ",
							"Without it, each waiting change is retried on its own (1 s up to 5 min) until StarRTC takes it.",
						),
					)
				: h(
						"p",
						{ class: "hint" },
						"Resync needs STARRTC_PROXY_URL: without it StarRTC learns of this group only when it next asks for the whole group.",
					),
		);
	}

	/** Where the app's webhook receiver stands (`webhook` of GET /v1/groups/{id}, docs/webhooks.md), in a sentence first. */
	function webhookSentence() {
		const w = info.webhook;
		if (!w.on) {
			return w.pending
				? `WEBHOOK_URL is not set: ${w.pending} message(s) written while it was set wait, and go out when it is set again. The history below is kept either way.`
				: "WEBHOOK_URL is not set: no webhooks are sent. The history below is kept either way.";
		}
		if (w.lastErrorCurrent)
			return `Failing: the latest delivery try failed; ${w.pending} message(s) wait and are retried with backoff (1 s up to 5 min).`;
		if (w.pending) return `Sending: ${w.pending} message(s) wait for the receiver to acknowledge them, in order.`;
		return "Current: the receiver has acknowledged every message.";
	}

	/** The webhook's delivery state; not shown to a token that does not see it (only the API token does). */
	function renderWebhooks() {
		const w = info.webhook;
		webhooks.hidden = !w;
		if (!w) return webhooks.replaceChildren();
		fill(
			webhooks,
			h("h2", { id: "webhooks-h" }, "Webhooks"),
			h("p", { class: w.lastErrorCurrent || (w.on && w.pending) ? "warn" : "" }, webhookSentence()),
			h(
				"dl",
				{},
				h("dt", {}, "Sending webhooks"),
				h("dd", {}, w.on ? "on" : "off"),
				h("dt", {}, "Waiting messages"),
				h("dd", {}, String(w.pending)),
				h("dt", {}, "Delivered up to version"),
				h("dd", {}, w.deliveredVersion === undefined ? "none yet" : String(w.deliveredVersion)),
				h("dt", {}, "Given up"),
				h("dd", {}, String(w.givenUp), h("span", { class: "hint" }, " (not acknowledged within 3 days, over the group's life)")),
				h("dt", {}, "Last error"),
				h("dd", {}, w.lastError ? [datum(w.lastError), " at ", when(w.lastErrorAt)] : "none"),
				w.lastError
					? [
							h("dt", {}, "That error is"),
							h("dd", {}, w.lastErrorCurrent ? "current: the latest try failed" : "old: a later try went through"),
						]
					: null,
			),
		);
	}

	/** @param {string | undefined} next */
	function renderMembers(next) {
		const first = pageIndex * MEMBERS_PER_PAGE;
		// A service from before join times were listed gives none: the column is left out rather than shown empty.
		const joined = members.some((m) => "joinedAt" in m);
		const table = h(
			"table",
			{},
			h(
				"caption",
				{},
				`Members ${first + 1}–${first + members.length} of ${info.memberCount}, in the order they joined (the creator first). `,
				joined
					? members.some((m) => m.joinedAt === null)
						? h("span", { class: "hint" }, "Joined “—”: before the service kept join times.")
						: null
					: h("span", { class: "hint" }, "The member list gives no join times; “Check a member” shows one from the user's own list."),
			),
			h(
				"thead",
				{},
				h("tr", {}, ...["User", "DND", ...(joined ? ["Joined"] : []), "Change"].map((label) => h("th", { scope: "col" }, label))),
			),
			h(
				"tbody",
				{},
				members.map((m) => memberRow(m, joined)),
			),
		);
		fill(
			memberList,
			table,
			pager(pageIndex, next, "members", (index, cursor) => {
				if (cursor !== undefined) cursors[index] = cursor;
				pageIndex = index;
				members = [];
				refresh();
			}),
		);
	}

	/**
	 * @param {any} member
	 * @param {boolean} joined whether to show the join time
	 */
	function memberRow(member, joined) {
		const id = /** @type {string} */ (member.userId);
		const creator = id === info.creator;
		const row = h(
			"tr",
			{ class: changedRows.has(id) || newRows.has(id) ? "changed" : undefined },
			h(
				"td",
				{ "data-label": "User" },
				userLink(id),
				creator ? h("span", { class: "tag" }, "creator") : null,
				newRows.has(id) ? h("span", { class: "tag" }, "new") : null,
			),
			h(
				"td",
				{ "data-label": "DND" },
				member.doNotDisturb ? h("strong", {}, "on") : "off",
				changedRows.has(id) ? h("span", { class: "tag" }, "changed") : null,
			),
			joined ? h("td", { "data-label": "Joined" }, joinedAt(member.joinedAt)) : null,
			h("td", { "data-label": "Change", class: "row-actions" }),
		);
		const cell = /** @type {HTMLElement} */ (row.lastElementChild);
		const dnd = h(
			"button",
			{
				type: "button",
				"data-key": `dnd:${id}`,
				"aria-label": `Turn DND ${member.doNotDisturb ? "off" : "on"} for ${id}`,
				onclick: () =>
					act(
						`DND ${member.doNotDisturb ? "off" : "on"} for ${id}`,
						member.doNotDisturb ? "DELETE" : "PUT",
						`${base}/members/${encodeURIComponent(id)}/dnd`,
					),
			},
			member.doNotDisturb ? "DND off" : "DND on",
		);
		const remove = creator
			? null
			: h(
					"button",
					{
						type: "button",
						"data-key": `remove:${id}`,
						"aria-label": `Remove ${id} from the group`,
						onclick: () => confirmRemove(cell, id),
					},
					"Remove",
				);
		put(cell, [dnd, remove]);
		return row;
	}

	/** Remove asks once, in the row itself (no browser dialog). */
	function confirmRemove(/** @type {HTMLElement} */ cell, /** @type {string} */ id) {
		const yes = h(
			"button",
			{
				type: "button",
				class: "destructive",
				"data-key": `confirm:${id}`,
				onclick: () => act(`Remove ${id}`, "DELETE", `${base}/members/${encodeURIComponent(id)}`),
			},
			`Remove ${id}`,
		);
		const cancel = h("button", { type: "button", onclick: () => refresh().then(() => focusKey(`remove:${id}`)) }, "Cancel");
		fill(cell, h("span", { class: "ask" }, "Remove this member?"), yes, cancel);
		yes.focus();
	}

	/** The group's history (GET …/events, docs/webhooks.md): its latest changes, each with its webhook's state. */
	async function renderHistory() {
		const after = historyAfter ?? Math.max(0, info.version - HISTORY_SPAN);
		const answer = await call("GET", `${base}/events?after=${after}&limit=${HISTORY_SPAN * 2}`);
		if (mine !== generation) return;
		history.hidden = false;
		if (!answer.ok) return fill(history, h("h2", { id: "history-h" }, "History"), refusal(answer));
		/** @type {any[]} */
		const events = answer.json.events;
		/** @type {Record<string, string>} */
		const sent = { pending: "waiting", delivered: "delivered", given_up: "given up" };
		const rows = events.map((event) => {
			const data = event.data;
			/** @type {string[]} */
			const users = data.userIds;
			return h(
				"tr",
				{},
				h("td", { "data-label": "Version" }, String(data.version), data.parts > 1 ? ` (part ${data.part} of ${data.parts})` : ""),
				h("td", { "data-label": "Change" }, code(String(event.type))),
				h("td", { "data-label": "When" }, when(event.timestamp)),
				h("td", { "data-label": "From" }, String(data.origin), data.actor ? [" by ", userLink(String(data.actor))] : null),
				h(
					"td",
					{ "data-label": "Users" },
					users.slice(0, 10).map((id, i) => [i ? ", " : "", userLink(id)]),
					users.length > 10 ? ` and ${users.length - 10} more` : "",
				),
				h("td", { "data-label": "Webhook" }, event.webhook ? (sent[event.webhook] ?? datum(String(event.webhook))) : "not sent"),
			);
		});
		fill(
			history,
			h("h2", { id: "history-h" }, "History"),
			events.length === 0
				? h("p", { class: "empty" }, `No changes after version ${after} kept.`)
				: h(
						"table",
						{},
						h(
							"caption",
							{},
							`Changes after version ${after}, oldest first.`,
							events.some((event) => !event.webhook)
								? h("span", { class: "hint" }, " Webhook “not sent”: written while WEBHOOK_URL was unset; it never goes out.")
								: null,
						),
						h(
							"thead",
							{},
							h("tr", {}, ...["Version", "Change", "When", "From", "Users", "Webhook"].map((label) => h("th", { scope: "col" }, label))),
						),
						h("tbody", {}, rows),
					),
			after > 0
				? h(
						"p",
						{ class: "pager" },
						h(
							"button",
							{
								type: "button",
								onclick: () => {
									historyAfter = Math.max(0, after - HISTORY_SPAN);
									renderHistory();
								},
							},
							"Earlier changes",
						),
					)
				: null,
		);
	}

	/**
	 * Sends one change, shows its answer, then reads the group again and says what changed.
	 * @param {string} label
	 * @param {string} method
	 * @param {string} path
	 * @param {unknown} [sent]
	 * @param {(json: any) => Child} [said] what a taken change's answer says, in words
	 * @returns {Promise<boolean>} whether the change was taken
	 */
	async function act(label, method, path, sent, said) {
		if (busy) {
			fill(result, h("p", { class: "error" }, "Another change is still on its way; wait for its answer."));
			return false;
		}
		busy = true;
		const focused = document.activeElement instanceof HTMLElement ? document.activeElement.dataset.key : undefined;
		const before = info ? { version: info.version, memberCount: info.memberCount } : undefined;
		const beforeIds = new Set(members.map((m) => m.userId));
		fill(result, h("p", { class: "busy" }, `${label}: sending…`));
		const answer = await call(method, path, sent);
		if (mine !== generation) return false;
		const box = answerBox(label, answer);
		if (answer.ok && said) put(box, [h("p", {}, said(answer.json))]);
		fill(result, box);
		const current = await refresh();
		busy = false;
		if (mine !== generation) return answer.ok;
		if (!current && info) put(box, [h("p", { class: "error" }, "Could not read the group again: what is shown below may not be current.")]);
		else put(box, [changes(before, beforeIds)]);
		if (!focused || !focusKey(focused)) {
			box.setAttribute("tabindex", "-1");
			box.focus();
		}
		return answer.ok;
	}

	/**
	 * What the re-read shows changed, in words.
	 * @param {{ version: number, memberCount: number } | undefined} before
	 * @param {Set<string>} beforeIds
	 */
	function changes(before, beforeIds) {
		if (!info) return h("p", { class: "change" }, `Now: group ${groupId} is not here.`);
		if (!before) return null;
		const after = new Set(members.map((m) => m.userId));
		const joined = [...after].filter((id) => !beforeIds.has(id));
		const left = [...beforeIds].filter((id) => !after.has(id));
		/** @type {Child[]} */
		const said = [];
		said.push(
			before.version === info.version ? `Version ${info.version}: nothing changed.` : `Version ${before.version} → ${info.version}.`,
			before.memberCount === info.memberCount ? "" : ` Members ${before.memberCount} → ${info.memberCount}.`,
		);
		if (joined.length)
			said.push(
				" Now on this page: ",
				joined.map((id, i) => [i ? ", " : "", datum(id)]),
				".",
			);
		if (left.length)
			said.push(
				" Gone from this page: ",
				left.map((id, i) => [i ? ", " : "", datum(id)]),
				".",
			);
		if (changedRows.size)
			said.push(
				" DND changed: ",
				[...changedRows].map((id, i) => [i ? ", " : "", datum(id)]),
				".",
			);
		return h("p", { class: "change" }, "Read again: ", said);
	}

	/** Is `userId` in the group, with which DND, since when, and does their own list agree? */
	async function check(/** @type {string} */ userId) {
		fill(checkResult, h("p", { class: "busy" }, "Checking…"));
		const [inGroup, inIndex] = await Promise.all([
			scan(
				(cursor) => `${base}/members?limit=${SCAN_PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
				(page) => page.members,
				(member) => member.userId === userId,
			),
			scan(
				(cursor) =>
					`/v1/users/${encodeURIComponent(userId)}/groups?limit=${SCAN_PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
				(page) => page.groups,
				(group) => group.groupId === groupId,
			),
		]);
		if (mine !== generation) return;
		if (!inGroup.answer.ok) return fill(checkResult, refusal(inGroup.answer));
		const member = inGroup.item;
		const listed = inIndex.answer.ok ? inIndex.item : undefined;
		const who = datum(userId);
		/** @type {Child[]} */
		const lines = [];
		if (member) {
			lines.push(
				h(
					"p",
					{ class: "yes" },
					h("strong", {}, "Member. "),
					who,
					" is in group ",
					groupId,
					member.userId === info?.creator ? " (its creator)." : ".",
				),
			);
			lines.push(
				member.doNotDisturb
					? h(
							"p",
							{ class: "warn" },
							"DND is on: StarRTC sends this user no push notification for this group's messages. ",
							actButton(`Turn DND off for ${userId}`, "DELETE", `${base}/members/${encodeURIComponent(userId)}/dnd`, userId),
						)
					: h("p", {}, "DND is off."),
			);
		} else {
			lines.push(
				h(
					"p",
					{ class: "no" },
					h("strong", {}, "Not a member. "),
					who,
					` is not in group ${groupId}. `,
					actButton(`Add ${userId} to the group`, "POST", `${base}/members`, userId, { userIds: [userId] }),
				),
			);
		}
		if (!inIndex.answer.ok) lines.push(h("div", {}, "Their own group list could not be read:", refusal(inIndex.answer)));
		else if (listed && member) lines.push(h("p", {}, "Their own group list agrees: joined ", when(listed.joinedAt), "."));
		else if (listed && !member)
			lines.push(
				h(
					"p",
					{ class: "warn" },
					"Their own group list (the user index) still shows this group: it follows the group within milliseconds; reload. If it stays so, an index shard is unreachable and catches up when it returns.",
				),
			);
		else if (!listed && member)
			lines.push(
				h(
					"p",
					{ class: "warn" },
					"Their own group list (the user index) does not show this group yet: it follows the group within milliseconds; reload. If it stays so, an index shard is unreachable and catches up when it returns.",
				),
			);
		if (info?.starrtc?.proxy && info.starrtc.pending) {
			lines.push(
				h(
					"p",
					{ class: "warn" },
					`StarRTC is not yet told of every change (it holds up to version ${info.starrtc.toldVersion}): until it is, messages may follow the older member list.`,
					info.starrtc.lastError ? [" Last error: ", datum(info.starrtc.lastError)] : null,
				),
			);
		}
		fill(checkResult, h("div", { class: "check" }, h("p", { class: "meta" }, `Checked at ${now()} UTC.`), lines));
	}

	/**
	 * A button, inside a check's answer, that makes the fix it suggests and then checks again.
	 * @param {string} label
	 * @param {string} method
	 * @param {string} path
	 * @param {string} userId
	 * @param {unknown} [sent]
	 */
	function actButton(label, method, path, userId, sent) {
		return h(
			"button",
			{
				type: "button",
				onclick: async () => {
					await act(label, method, path, sent);
					await check(userId);
				},
			},
			label,
		);
	}

	await refresh();
	if (checkUser && mine === generation) await check(checkUser);
}

// ---------------------------------------------------------------- create

function createView() {
	// A fresh key per form: a resent form creates one group; changed values get a new key.
	let key = crypto.randomUUID();
	const result = h("div", { "aria-live": "polite" });
	const form = h(
		"form",
		{ class: "card", novalidate: true },
		field("creator", "Creator (user id)", { required: true }, "Always a member, the first one."),
		field("members", "Other members", { multiline: true }, "User ids, one per line or separated by commas; may be empty."),
		field("name", "Name", {}, "Shown as typed; may be empty."),
		h("p", {}, h("button", { type: "submit" }, "Create the group")),
		result,
	);
	form.addEventListener("input", () => {
		key = crypto.randomUUID();
	});
	form.addEventListener("submit", async (event) => {
		event.preventDefault();
		const creator = input("creator").value.replace(/^[ \t]+|[ \t]+$/g, "");
		if (!creator) return fill(result, h("p", { class: "error" }, "A group needs a creator."));
		const mine = generation;
		fill(result, h("p", { class: "busy" }, "Creating…"));
		const answer = await call(
			"POST",
			"/v1/groups",
			{ creator, members: idList(input("members").value), name: input("name").value },
			{ "Idempotency-Key": key },
		);
		if (mine !== generation) return;
		if (!answer.ok) return fill(result, answerBox("Create a group", answer));
		handedOver = answer;
		location.hash = groupHref(answer.json.groupId);
	});
	fill(
		main,
		heading("Create a group"),
		h("p", {}, "The app's own create: the member rules of StarRTC's clients do not apply, and StarRTC is told."),
		form,
	);
}

// ---------------------------------------------------------------- start

window.addEventListener("hashchange", route);
route();
