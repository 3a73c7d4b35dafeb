import type { Settings, SettingsSource } from "../config";
import type { Caller } from "./auth";

/** What every API handler sees: the Worker's variables, and (set by api.ts's middleware) the settings and the caller. */
export type ApiEnv = { Bindings: SettingsSource; Variables: { caller: Caller; settings: Settings } };
