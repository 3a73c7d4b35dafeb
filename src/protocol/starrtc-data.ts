import { GroupAction } from "./actions";
import { ErrorCode, fail, ok, type Outcome } from "./errors";
import { type JsonObject, parseJsonObject } from "./json";

/** The fields of `data`; every value should be a string, but StarRTC clones may send numbers. */
export type Fields = JsonObject;

/**
 * StarRTC writes `data` by pasting text into a fixed layout and escapes nothing
 * (measured, docs/protocol.md): a group name arrives as `"userDefineData":"<name>"`
 * whatever it holds (`"`, `\`, `"}`), or bare, as `"userDefineData":<name>`,
 * when it starts with `{` or `[`. The name is always the last field, so in that
 * layout the name is the raw text up to the final `"}` (or `}`), byte for byte.
 * These are the fields StarRTC writes before it, in its order (the seed's, with
 * the `ts` every real server puts first; the web SDK's adds carry no name).
 */
const LAYOUT: Partial<Record<string, readonly string[]>> = {
	[GroupAction.Create]: ["ts", "action", "userId", "addUsers"],
	[GroupAction.AddUser]: ["ts", "action", "userId", "groupId", "addUsers"],
	[GroupAction.AddUserAndSyncAll]: ["ts", "action", "userId", "groupId", "addUsers"],
};
const NAME = ',"userDefineData":';

/**
 * The one reading of `data`: a create or add in StarRTC's layout takes its name
 * as raw text, even when `data` happens to be valid JSON (`"a\b"` is what the
 * user typed, not a backspace); everything else, hand-written JSON without `ts`
 * included, must be a JSON object. Ids are never guessed: the fields before the
 * name must parse as JSON in that layout, or `data` is read as JSON or refused.
 * A key named twice is refused in either reading: StarRTC pastes `addUsers`,
 * `removeUsers` and `groupId` unescaped too, so a client can append
 * `","userId":"alice` to any of them (docs/protocol.md).
 */
export function readStarRtcData(data: string): Outcome<Fields> {
	const fields = readLayout(data) ?? parseJsonObject(data);
	return fields.ok ? fields : fail(fields.code, `data ${fields.reason}`);
}

function readLayout(data: string): Outcome<Fields> | undefined {
	// The first match is the real key: the fields before it hold ids, which hold no `"`.
	const at = data.indexOf(NAME);
	if (at < 0 || !data.endsWith("}")) return undefined;
	const head = parseJsonObject(`${data.slice(0, at)}}`);
	if (!head.ok) return head.code === ErrorCode.RepeatedField ? head : undefined;
	if (!inLayout(head.value)) return undefined;
	const raw = data.slice(at + NAME.length, -1);
	const quoted = raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"');
	const name = quoted ? raw.slice(1, -1) : /^[{[]/.test(raw) ? raw : undefined;
	return name === undefined ? undefined : ok({ ...head.value, userDefineData: name });
}

function inLayout(fields: Fields): boolean {
	const layout = typeof fields.action === "string" ? LAYOUT[fields.action] : undefined;
	const keys = Object.keys(fields);
	return layout !== undefined && keys.length === layout.length && keys.every((key, i) => key === layout[i]);
}
