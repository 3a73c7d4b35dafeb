import { callObject } from "../group/rpc";
import type { BackupEnv } from "./backup-runner";
import { dayOf } from "./files";

let warned = false;

/**
 * The cron trigger (`[triggers] crons`): starts the nightly backup of every group
 * to R2, or, without the BACKUPS binding, says once (per isolate) that there is none.
 */
export async function scheduled(controller: ScheduledController, env: BackupEnv, ctx: ExecutionContext): Promise<void> {
	if (!env.BACKUPS) {
		if (!warned) console.log(JSON.stringify({ backup: "groups", outcome: "OFF", reason: "no BACKUPS binding: no backup is written" }));
		warned = true;
		return;
	}
	const date = dayOf(controller.scheduledTime);
	ctx.waitUntil(
		callObject(() => env.BACKUP_RUNNER.getByName("backups").start(date)).then((started) => {
			if (!started.ok) console.log(JSON.stringify({ backup: "groups", outcome: started.code, reason: started.reason.slice(0, 200) }));
		}),
	);
}
