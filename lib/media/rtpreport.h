/* rtpreport: the records pcap-rtp-extract prints for what rtpscan found,
 * as NDJSON (type "rtp_stream", "rtcp") or as table rows, to a stdio
 * stream the caller hands in. */
#ifndef CK_RTPREPORT_H
#define CK_RTPREPORT_H

#include <stdio.h>

#include "codec/json.h"
#include "media/rtpscan.h"

/* The table's header line. */
void ck_rtpreport_header(FILE *f);
/* One stream's record (table != 0: a table row). js is scratch space. */
void ck_rtpreport_stream(FILE *f, ck_json *js, int table, const ck_rtpscan_flow *x);
/* Records with 0 packets for the media SDP or RTSP negotiated (offers
 * that got an answer) that no packet used (receivers' addresses only: not
 * sendonly or inactive), numbered after the streams. Returns how many. */
int ck_rtpreport_unused(FILE *f, ck_json *js, int table, const ck_rtpscan *sc);
/* One RTCP flow's record. */
void ck_rtpreport_rtcp(FILE *f, ck_json *js, int table, const ck_rtpscan_rtcpflow *r);

#endif
