/** The command line of `npm run export`, read into options or refused with a usage error. */
import { parseArgs } from "node:util";
import { GROUP_ID } from "./lines.ts";

export const USAGE =
	"usage: npm run export -- --url <base URL> [--api-token T | env API_TOKEN] [--out groups.ndjson] [--after <groupId>]\n" +
	"                        [--concurrency 8] [--page 1000]";

export interface ExportOptions {
	readonly url: string;
	readonly apiToken: string;
	/** The file written (appended to with `after`); standard output when absent. */
	readonly out?: string;
	/** Only groups with a greater id: resumes a stopped run. */
	readonly after?: string;
	readonly concurrency: number;
	/** `limit` of each `GET /v1/groups` page. */
	readonly page: number;
}

export type Parsed = { readonly options: ExportOptions } | { readonly help: true } | { readonly error: string };

const flags = (argv: readonly string[]) =>
	parseArgs({
		args: [...argv],
		options: {
			url: { type: "string" },
			"api-token": { type: "string" },
			out: { type: "string" },
			after: { type: "string" },
			concurrency: { type: "string", default: "8" },
			page: { type: "string", default: "1000" },
			help: { type: "boolean", default: false },
		},
	}).values;

const positive = (text: string, max: number) => {
	const n = Number(text);
	return Number.isInteger(n) && n >= 1 && n <= max ? n : undefined;
};

export function parseExportArgs(argv: readonly string[], env: { readonly API_TOKEN?: string }): Parsed {
	let values: ReturnType<typeof flags>;
	try {
		values = flags(argv);
	} catch (e) {
		return { error: e instanceof Error ? e.message : String(e) };
	}
	if (values.help) return { help: true };
	if (!values.url) return { error: "--url is required" };
	const apiToken = values["api-token"] ?? env.API_TOKEN ?? "";
	if (!apiToken) return { error: "--api-token or env API_TOKEN is required" };
	const concurrency = positive(values.concurrency, 256);
	if (concurrency === undefined) return { error: "--concurrency must be an integer from 1 to 256" };
	const page = positive(values.page, 1000);
	if (page === undefined) return { error: "--page must be an integer from 1 to 1000" };
	if (values.after !== undefined && !GROUP_ID.test(values.after)) return { error: `--after ${values.after} is not a group id` };
	if (values.out === "") return { error: "--out needs a file name" };
	return { options: { url: values.url.replace(/\/+$/, ""), apiToken, out: values.out, after: values.after, concurrency, page } };
}
