// Reads the clocks of a whole fleet at once with the npm `onvif` client
// (agsh/onvif): one Cam per device, every getSystemDateAndTime started
// together and awaited with Promise.all, as node scripts and Home Assistant
// integrations query many cameras. The peer of bench/onvif.sh's fleet run.
//   NODE_PATH=$(tests/tools/npm-onvif.sh) node onvif-time-fleet.js TIMEOUT_MS < targets
// targets: one host:port per line. Credentials from ONVIF_USERNAME /
// ONVIF_PASSWORD. Prints one line per device ({"device","utc"} or
// {"device","error"}); exits 0.
'use strict';
const { Cam } = require('onvif');
const fs = require('fs');

const timeout = Number(process.argv[2] || 5000);
const targets = fs.readFileSync(0, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
const one = (t) => new Promise((resolve) => {
	const i = t.lastIndexOf(':');
	const cam = new Cam({
		hostname: t.slice(0, i),
		port: Number(t.slice(i + 1)),
		username: process.env.ONVIF_USERNAME,
		password: process.env.ONVIF_PASSWORD,
		timeout,
		autoconnect: false,
	});
	cam.getSystemDateAndTime((err, date) => {
		resolve(err || !date ? { device: t, error: err ? err.message : 'no date' }
			: { device: t, utc: date.toISOString() });
	});
});
Promise.all(targets.map(one)).then((rs) => {
	for (const r of rs)
		console.log(JSON.stringify(r));
	process.exit(0);
});
