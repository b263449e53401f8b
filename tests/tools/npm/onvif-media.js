// Differential peer for onvif-media: the npm `onvif` client (agsh/onvif)
// lists profiles and their stream/snapshot URIs, one JSON line per profile.
//   NODE_PATH=$(tests/tools/npm-onvif.sh) node onvif-media.js HOST PORT USER PASS [UDP|RTSP|HTTP]
const { Cam } = require('onvif');
// the client can end without ever calling back (replies it cannot parse):
// that is a failure, not an empty answer
let printed = false;
const out = (o) => { printed = true; console.log(JSON.stringify(o)); };
process.on('exit', () => { if (!printed) { console.error('npm-onvif: no answer'); process.exitCode = 1; } });
const [host, port, username, password, proto] = process.argv.slice(2);
const die = (what, err) => { console.error('npm-onvif: ' + what + ': ' + (err && err.message || err)); process.exit(1); };
new Cam({ hostname: host, port: +port, username, password, timeout: 10000 }, function (err) {
	if (err) die('connect', err);
	const cam = this;
	const profiles = cam.profiles || [];
	let i = 0;
	const next = () => {
		if (i >= profiles.length) return;
		const p = profiles[i++];
		const token = p.$ ? p.$.token : p.token;
		const enc = (p.configurations && p.configurations.videoEncoder) || p.videoEncoderConfiguration || {};
		cam.getStreamUri({ protocol: proto || 'UDP', profileToken: token }, (e, s) => {
			if (e) die('GetStreamUri ' + token, e);
			cam.getSnapshotUri({ profileToken: token }, (e2, sn) => {
				out(({
					media: cam.media2Support ? 2 : 1, token, name: p.name,
					encoding: enc.encoding || null,
					width: enc.resolution ? +enc.resolution.width : null,
					height: enc.resolution ? +enc.resolution.height : null,
					stream_uri: s.uri || (s.mediaUri && s.mediaUri.uri) || null,
					snapshot_uri: e2 ? null : (sn.uri || (sn.mediaUri && sn.mediaUri.uri) || null),
				}));
				next();
			});
		});
	};
	next();
});
