/* devstate: what a simulated GB/T 28181 device remembers between requests
 * (its configuration, recording, guard and alarm state, presets, home
 * position, SD card) and the MANSCDP <Response> bodies a real camera
 * builds from it: DeviceStatus, ConfigDownload per ConfigType, PresetQuery
 * and the 2022 queries (HomePositionQuery, CruiseTrackListQuery,
 * CruiseTrackQuery, PTZPosition, SDCardStatus), the Alarm and
 * MobilePosition query answers. Pure: no sockets, no clock but the
 * DeviceTime passed in. Each body names the DeviceID the request named
 * (a channel of the device, or the device), as real cameras echo it.
 * The device user agent (gb/device) owns one; the notifier can build its
 * answers with the same functions. */
#ifndef CK_DEVSTATE_H
#define CK_DEVSTATE_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "codec/xml.h"
#include "gb/manscdp.h"
#include "gb/ptzcmd.h"

#define CK_DEVSTATE_MAX_PRESET 255

typedef struct ck_devstate {
	/* BasicParam (GB/T 28181-2016 A.2.3.2, A.2.6): the running values */
	char name[128];             /* UTF-8 */
	char id[64], server_id[64], server_ip[256], domain[64];
	int server_port;
	int expiration;             /* s */
	int heartbeat_interval;     /* s */
	int heartbeat_count;
	/* SnapShotConfig (2022) as last configured */
	int snap_num, snap_interval;
	char upload_url[512], session_id[160];
	int recording;              /* RecordCmd Record / StopRecord */
	int64_t manual_start_ms, manual_end_ms;  /* the last such recording
	                               (wall ms; 0 none; end 0 while on) */
	int guard;                  /* GuardCmd SetGuard / ResetGuard */
	int alarm;                  /* an alarm raised and not reset */
	int home_enabled, home_reset_s, home_preset;
	unsigned char preset[CK_DEVSTATE_MAX_PRESET + 1];  /* 1: set */
	int pan, tilt, zoom;        /* PTZPosition: moved by PTZCmd */
	unsigned long formats;      /* FormatSDCard count */
} ck_devstate;

/* Sets the presets from "1,2,5" (or "" for none). 0, or -1 with CK_USAGE
 * (not numbers 1-255 separated by commas). */
int ck_devstate_presets(ck_devstate *s, const char *list, ck_err *e);
/* Applies a DeviceConfig <Control>'s BasicParam and SnapShotConfig to s.
 * Returns 0 (all applied), or -1 with e (CK_DATAERR: a value out of range,
 * nothing to configure, or an element this device does not configure);
 * nothing is applied then. */
int ck_devstate_config(ck_devstate *s, const ck_xml_node *control, ck_err *e);
/* Applies a PTZCmd: preset set/delete, pan/tilt/zoom moves. */
void ck_devstate_ptz(ck_devstate *s, const ck_ptzcmd *c);

/* The <Response> to a query of cmd_type for device_id with SN sn, and
 * the query (for ConfigType, Number...): DeviceStatus (device_time
 * "yyyy-MM-ddTHH:mm:ss"), ConfigDownload, PresetQuery, HomePositionQuery,
 * CruiseTrackListQuery, CruiseTrackQuery, PTZPosition, SDCardStatus,
 * Alarm, MobilePosition. Returns the malloc'd body (GB18030 when not
 * ASCII, as ck_manscdp_response), *len set; NULL with CK_EMPTY when
 * the CmdType is not one of these, other kinds on allocation failure. */
char *ck_devstate_answer(const ck_devstate *s, const ck_manscdp *q,
    const char *device_id, const char *device_time, size_t *len, ck_err *e);
/* The ConfigDownload <Response> for the "/"-separated ConfigTypes: each
 * known one's element; Result ERROR when any is unknown or none given. */
char *ck_devstate_config_download(const ck_devstate *s, unsigned long sn,
    const char *device_id, const char *types, size_t *len, ck_err *e);
/* The DeviceStatus <Response>: Online, Status, Encode, Record (ON while
 * recording), DeviceTime, Alarmstatus with the channel's DutyStatus
 * (ALARM, ONDUTY when guarded, else OFFDUTY). */
char *ck_devstate_status(const ck_devstate *s, unsigned long sn,
    const char *device_id, const char *device_time, size_t *len, ck_err *e);
/* A <Response> of cmd_type with just <Result>OK|ERROR</Result>: the
 * answer to a control that needs one (cmd_type DeviceControl or
 * DeviceConfig), or to an Alarm / MobilePosition query (the alarms and
 * positions themselves follow as Notify). */
char *ck_devstate_result(const char *cmd_type, unsigned long sn,
    const char *device_id, int ok, size_t *len, ck_err *e);

#endif
