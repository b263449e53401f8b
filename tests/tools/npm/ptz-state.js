// PTZ status and presets read with the npm `onvif` client (agsh/onvif), the
// independent peer of onvif-ptz's differential test.
//   NODE_PATH=$(tests/tools/npm-onvif.sh) node ptz-state.js HOST PORT
// Credentials from ONVIF_USERNAME / ONVIF_PASSWORD. Connects (device
// information, capabilities, profiles), then GetStatus and GetPresets on the
// profile it picked. Prints one JSON object:
//   {"profile":..,"pan":..,"tilt":..,"zoom":..,"move_pan_tilt":..,
//    "move_zoom":..,"presets":[{"token":..,"name":..}, ...]}
'use strict';
const { Cam } = require('onvif');

const [host, port] = process.argv.slice(2);
const fail = (what, err) => {
	console.error('npm onvif: ' + what + ': ' + (err && err.message ? err.message : err));
	process.exit(1);
};
const cam = new Cam({
	hostname: host,
	port: Number(port),
	username: process.env.ONVIF_USERNAME,
	password: process.env.ONVIF_PASSWORD,
	timeout: 5000,
}, function(err) {
	if (err) return fail('connect', err);
	const profile = this.activeSource && this.activeSource.profileToken;
	this.getStatus({ profileToken: profile }, (err, st) => {
		if (err) return fail('GetStatus', err);
		this.getPresets({ profileToken: profile }, (err, presets) => {
			if (err) return fail('GetPresets', err);
			const list = Object.keys(presets).map((name) => ({
				token: presets[name].$.token, name: String(name),
			}));
			const ms = st.moveStatus || {};
			console.log(JSON.stringify({
				profile: profile,
				pan: Number(st.position.x), tilt: Number(st.position.y),
				zoom: Number(st.position.zoom),
				move_pan_tilt: ms.panTilt === undefined ? null : String(ms.panTilt),
				move_zoom: ms.zoom === undefined ? null : String(ms.zoom),
				presets: list,
			}));
		});
	});
});
