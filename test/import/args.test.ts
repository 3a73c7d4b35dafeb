import { describe, it } from "vitest";
import { type ImportOptions, parseImportArgs, shownSource } from "../../tools/import/args.ts";

const noEnv = {};
/** The options of a command line that must parse. */
function options(argv: string[], env: { API_TOKEN?: string } = noEnv): ImportOptions {
	const parsed = parseImportArgs(argv, env);
	if (!("options" in parsed)) throw new Error(`expected options, got ${JSON.stringify(parsed)}`);
	return parsed.options;
}
const error = (...argv: string[]) => parseImportArgs(argv, noEnv);

describe("the import's command line", () => {
	it("a dry run needs only --from; everything else has its documented default", ({ expect }) => {
		expect(options(["--from", "dump.sql", "--dry-run"])).toEqual({
			from: "dump.sql",
			source: "dump",
			url: undefined,
			apiToken: "",
			dryRun: true,
			overwrite: false,
			revive: false,
			concurrency: 16,
			report: "import-report.json",
			timeZone: "Asia/Shanghai",
			only: undefined,
			previous: undefined,
		});
	});

	it("takes every flag, in both --flag value and --flag=value forms", ({ expect }) => {
		const argv = ["--from", "mysql://u:p@db:3306/starRTC_private", "--url=https://groups.example", "--api-token", "T0KEN", "--overwrite"];
		argv.push("--concurrency", "4", "--report", "out.json", "--timezone=UTC", "--groups", "100462, 100463", "--previous", "before.json");
		expect(options(argv)).toEqual({
			from: "mysql://u:p@db:3306/starRTC_private",
			source: "mysql",
			url: "https://groups.example",
			apiToken: "T0KEN",
			dryRun: false,
			overwrite: true,
			revive: false,
			concurrency: 4,
			report: "out.json",
			timeZone: "UTC",
			only: new Set(["100462", "100463"]),
			previous: "before.json",
		});
	});

	it("reads a URL starting mysql:// in any case as MySQL, anything else as a dump file", ({ expect }) => {
		expect(options(["--from", "MySQL://u@h/db", "--dry-run"]).source).toBe("mysql");
		expect(options(["--from", "./mysql://odd-name.sql", "--dry-run"]).source).toBe("dump");
	});

	it("takes the API token from --api-token, else from env API_TOKEN", ({ expect }) => {
		const real = ["--from", "dump.sql", "--url", "http://h"];
		expect(options([...real, "--api-token", "flag"], { API_TOKEN: "env" }).apiToken).toBe("flag");
		expect(options(real, { API_TOKEN: "env" }).apiToken).toBe("env");
	});

	it("--help asks for the usage, whatever else is given", ({ expect }) => {
		expect(error("--help")).toEqual({ help: true });
		expect(error("--from", "x", "--help", "--concurrency", "0")).toEqual({ help: true });
	});

	it("refuses a real run without --url or a token, and says a dry run needs neither", ({ expect }) => {
		expect(error("--from", "dump.sql", "--api-token", "t")).toEqual({ error: "--url is required (or --dry-run)" });
		expect(error("--from", "dump.sql", "--url", "http://h")).toEqual({ error: "--api-token or env API_TOKEN is required (or --dry-run)" });
		expect(error("--from", "dump.sql", "--url", "http://h", "--api-token", "")).toEqual({
			error: "--api-token or env API_TOKEN is required (or --dry-run)",
		});
	});

	it("refuses a missing --from before anything else", ({ expect }) => {
		expect(error()).toEqual({ error: "--from is required" });
		expect(error("--concurrency", "0")).toEqual({ error: "--from is required" });
	});

	it("refuses a concurrency that is not a positive integer", ({ expect }) => {
		for (const bad of ["0", "-1", "1.5", "abc", ""]) {
			expect(error("--from", "dump.sql", "--dry-run", `--concurrency=${bad}`), bad).toEqual({
				error: "--concurrency must be a positive integer",
			});
		}
		expect(options(["--from", "dump.sql", "--dry-run", "--concurrency", "1"]).concurrency).toBe(1);
	});

	it("refuses a time zone Intl does not know", ({ expect }) => {
		expect(error("--from", "dump.sql", "--dry-run", "--timezone", "Mars/Olympus")).toEqual({
			error: "--timezone Mars/Olympus is not a time zone",
		});
	});

	it("refuses unknown flags, flags without their value and stray arguments, naming them", ({ expect }) => {
		expect(error("--from", "dump.sql", "--dry-run", "--overwrite-all")).toEqual({
			error: expect.stringContaining("Unknown option '--overwrite-all'"),
		});
		expect(error("--from", "dump.sql", "--dry-run", "--report")).toEqual({ error: "Option '--report <value>' argument missing" });
		expect(error("--from", "dump.sql", "--dry-run", "extra")).toEqual({ error: expect.stringContaining("Unexpected argument 'extra'") });
	});
});

describe("--from as printed and reported", () => {
	it("hides a MySQL URL's user and password, and shows a dump's path as given", ({ expect }) => {
		expect(shownSource(options(["--from", "mysql://root:s3cret@db:3306/starRTC_private", "--dry-run"]))).toBe(
			"mysql://…@db:3306/starRTC_private",
		);
		expect(shownSource(options(["--from", "mysql://db:3306/starRTC_private", "--dry-run"]))).toBe("mysql://db:3306/starRTC_private");
		expect(shownSource(options(["--from", "backups//me@home.sql", "--dry-run"]))).toBe("backups//me@home.sql");
	});
});
