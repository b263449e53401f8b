// Reads a device's clock with the npm `onvif` client (agsh/onvif), as an
// independent peer for onvif-time's tests and benchmarks.
//   NODE_PATH=$(tests/tools/npm-onvif.sh) node onvif-time.js HOST PORT [PATH]
// Credentials (if any) from ONVIF_USERNAME / ONVIF_PASSWORD.
// Prints {"utc":"YYYY-MM-DDTHH:MM:SSZ"} and exits 0, or a message and 1.
'use strict';
const { Cam } = require('onvif');

const [host, port, path] = process.argv.slice(2);
const cam = new Cam({
	hostname: host,
	port: Number(port),
	path: path || '/onvif/device_service',
	username: process.env.ONVIF_USERNAME,
	password: process.env.ONVIF_PASSWORD,
	timeout: 5000,
	autoconnect: false,
});
cam.getSystemDateAndTime((err, date) => {
	if (err || !date) {
		console.error('npm onvif: ' + (err ? err.message : 'no date'));
		process.exit(1);
	}
	console.log(JSON.stringify({ utc: date.toISOString().replace(/\.\d{3}Z$/, 'Z') }));
});
