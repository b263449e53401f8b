// Drives an OpenVidu 2.x server with the official Node client
// (openvidu-node-client), the independent peer for openvidu-ipcam's tests.
//   NODE_PATH=$(tests/tools/npm-openvidu.sh) node openvidu.js URL SCENARIO [ARG...]
// The secret comes from OPENVIDU_SECRET. Scenarios (one JSON line per step
// on stdout; exit 0 when every call did what the client expects, else 1):
//   ipcam SESSION RTSP_URI  create the session, publish the camera, fetch and
//                           see it, try to unpublish its stream (the server
//                           refuses: 405), force-disconnect it, fetch again
//   connections SESSION     the IP camera connections the session has now
//   secret                  one call with this secret (a wrong one: 401)
'use strict';
// the client logs to the console (it keeps console.log from load time):
// stdout is for our records only
console.log = console.info = console.debug = () => {};
const { OpenVidu } = require('openvidu-node-client');

const [url, scenario, ...args] = process.argv.slice(2);
const ov = new OpenVidu(url, process.env.OPENVIDU_SECRET || '');
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const failed = (step, e) => { out({ step, error: e.message }); process.exit(1); };

function cam(c) {
	return {
		id: c.connectionId, status: c.status, type: c.connectionProperties.type,
		rtspUri: c.connectionProperties.rtspUri, data: c.connectionProperties.data,
		record: c.connectionProperties.record,
		adaptativeBitrate: c.connectionProperties.adaptativeBitrate,
		onlyPlayWithSubscribers: c.connectionProperties.onlyPlayWithSubscribers,
		networkCache: c.connectionProperties.networkCache,
		streams: c.publishers.map((p) => p.streamId),
		typeOfVideo: c.publishers.map((p) => p.typeOfVideo),
	};
}

async function ipcam(sessionId, rtspUri) {
	const s = await ov.createSession({ customSessionId: sessionId }).catch((e) => failed('createSession', e));
	out({ step: 'createSession', sessionId: s.sessionId });
	const c = await s.createConnection({
		type: 'IPCAM', rtspUri, data: 'Office security camera', record: true,
		adaptativeBitrate: true, onlyPlayWithSubscribers: true, networkCache: 2000,
	}).catch((e) => failed('createConnection', e));
	out({ step: 'createConnection', connection: cam(c) });
	await s.fetch().catch((e) => failed('fetch', e));
	out({ step: 'fetch', connections: s.activeConnections.map(cam) });
	const seen = s.activeConnections.find((x) => x.connectionId === c.connectionId);
	if (!seen) failed('fetch', new Error('published camera not in the session'));
	const err = await s.forceUnpublish(seen.publishers[0]).then(() => null, (e) => e);
	out({ step: 'forceUnpublish', error: err ? err.message : null });
	await s.forceDisconnect(seen).catch((e) => failed('forceDisconnect', e));
	out({ step: 'forceDisconnect', ok: true });
	const gone = await s.fetch().then(() => null, (e) => e);
	out({ step: 'fetchAfter', error: gone ? gone.message : null });
}

async function connections(sessionId) {
	await ov.fetch().catch((e) => failed('fetch', e));
	const s = ov.activeSessions.find((x) => x.sessionId === sessionId);
	out({ step: 'connections', session: s ? sessionId : null,
		cameras: s ? s.connections.filter((c) => c.connectionProperties.type === 'IPCAM').map(cam) : [] });
}

async function secret() {
	await ov.fetch().catch((e) => failed('fetch', e));
	out({ step: 'fetch', sessions: ov.activeSessions.length });
}

const run = { ipcam, connections, secret }[scenario];
if (!run) {
	console.error('usage: openvidu.js URL ipcam|connections|secret ...');
	process.exit(64);
}
run(...args).catch((e) => failed(scenario, e));
