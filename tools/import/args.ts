/** The command line of `npm run import`, read into options or refused with a usage error. */
import { parseArgs } from "node:util";

export const USAGE =
	"usage: npm run import -- --from <mysql://user:pass@host:port/db | dump.sql | groups.ndjson> --url <base URL> [--api-token T | env API_TOKEN]\n" +
	"                        [--dry-run] [--overwrite] [--revive] [--concurrency 16] [--report file.json] [--timezone Asia/Shanghai]\n" +
	"                        [--groups id,id] [--previous earlier-report.json]";

export interface ImportOptions {
	/** A `mysql://` URL, the path of a mysqldump file, or of an export file (`npm run export`, a nightly backup). */
	readonly from: string;
	readonly source: "mysql" | "dump" | "export";
	/** Our base URL; only a dry run goes without. */
	readonly url?: string;
	/** Empty only on a dry run. */
	readonly apiToken: string;
	readonly dryRun: boolean;
	readonly overwrite: boolean;
	/** `?revive=true`: a group deleted here comes back (from a backup); without it, it stays deleted. */
	readonly revive: boolean;
	readonly concurrency: number;
	/** Where the report is written. */
	readonly report: string;
	/** The sample's local time zone, which its `ctime` is written in. */
	readonly timeZone: string;
	/** `--groups`: the only groups this run imports. */
	readonly only?: ReadonlySet<string>;
	/** `--previous`: an earlier run's report, to list the groups gone from the sample since. */
	readonly previous?: string;
}

/** Options to run with; `help` to print the usage and succeed; `error` to print it with the usage and exit 2. */
export type Parsed = { readonly options: ImportOptions } | { readonly help: true } | { readonly error: string };

/** Node's parser with every flag the tool has; throws on an unknown flag, a missing value or a positional. */
const flags = (argv: readonly string[]) =>
	parseArgs({
		args: [...argv],
		options: {
			from: { type: "string" },
			url: { type: "string" },
			"api-token": { type: "string" },
			"dry-run": { type: "boolean", default: false },
			overwrite: { type: "boolean", default: false },
			revive: { type: "boolean", default: false },
			concurrency: { type: "string", default: "16" },
			report: { type: "string", default: "import-report.json" },
			// The sample's config.php sets Asia/Shanghai; ctime is its local wall time.
			timezone: { type: "string", default: "Asia/Shanghai" },
			groups: { type: "string" },
			previous: { type: "string" },
			help: { type: "boolean", default: false },
		},
	}).values;

export function parseImportArgs(argv: readonly string[], env: { readonly API_TOKEN?: string }): Parsed {
	let values: ReturnType<typeof flags>;
	try {
		values = flags(argv);
	} catch (e) {
		// Node's own words: "Unknown option '--x'", "Option '--url <value>' argument missing", …
		return { error: e instanceof Error ? e.message : String(e) };
	}
	if (values.help) return { help: true };
	const from = values.from;
	if (from === undefined) return { error: "--from is required" };
	const dryRun = values["dry-run"];
	const apiToken = values["api-token"] ?? env.API_TOKEN ?? "";
	const concurrency = Number(values.concurrency);
	if (!Number.isInteger(concurrency) || concurrency < 1) return { error: "--concurrency must be a positive integer" };
	if (!dryRun && !values.url) return { error: "--url is required (or --dry-run)" };
	if (!dryRun && !apiToken) return { error: "--api-token or env API_TOKEN is required (or --dry-run)" };
	if (values.previous && /\.(nd)?jsonl?$/i.test(from))
		return { error: "--previous compares with the sample; an export file has no use for it" };
	const timeZone = values.timezone;
	try {
		new Intl.DateTimeFormat("en-US", { timeZone });
	} catch {
		return { error: `--timezone ${timeZone} is not a time zone` };
	}
	return {
		options: {
			from,
			source: /^mysql:\/\//i.test(from) ? "mysql" : /\.(nd)?jsonl?$/i.test(from) ? "export" : "dump",
			url: values.url,
			apiToken,
			dryRun,
			overwrite: values.overwrite,
			revive: values.revive,
			concurrency,
			report: values.report,
			timeZone,
			only: values.groups ? new Set(values.groups.split(",").map((id) => id.trim())) : undefined,
			previous: values.previous,
		},
	};
}

/** `--from` as printed and reported: a MySQL URL without its user and password. */
export function shownSource(options: Pick<ImportOptions, "from" | "source">): string {
	return options.source === "mysql" ? options.from.replace(/\/\/[^@/]*@/, "//…@") : options.from;
}
