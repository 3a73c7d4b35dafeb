/** The eleven group actions of StarRTC's AEC protocol (seed document). */
export const GroupAction = {
	Create: "AEC_GROUP_CREATE",
	SyncAll: "AEC_GROUP_SYNC_ALL",
	Delete: "AEC_GROUP_DEL",
	AddUser: "AEC_GROUP_ADD_USER",
	AddUserAndSyncAll: "AEC_GROUP_ADD_USER_AND_SYNC_ALL",
	RemoveUser: "AEC_GROUP_REMOVE_USER",
	RemoveUserAndSyncAll: "AEC_GROUP_REMOVE_USER_AND_SYNC_ALL",
	SetPushIgnore: "AEC_SET_GROUP_PUSH_IGNORE",
	SetPushIgnoreAndSyncAll: "AEC_SET_GROUP_PUSH_IGNORE_AND_SYNC_ALL",
	UnsetPushIgnore: "AEC_UNSET_GROUP_PUSH_IGNORE",
	UnsetPushIgnoreAndSyncAll: "AEC_UNSET_GROUP_PUSH_IGNORE_AND_SYNC_ALL",
} as const;
export type GroupAction = (typeof GroupAction)[keyof typeof GroupAction];

/** Sent once when an operator registers the AEC URL; answered here, never forwarded. */
export const AccessValidation = "AEC_ACCESS_VALIDATION";
/** Sent by msgServer on every login; answered here unless an upstream AEC server owns it. */
export const GetPushMode = "AEC_MSG_SERVER_GET_PUSH_MODE";
