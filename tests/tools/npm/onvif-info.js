// Differential peer for onvif-info: the npm `onvif` client's
// GetDeviceInformation and service list, as one JSON line.
//   NODE_PATH=$(tests/tools/npm-onvif.sh) node onvif-info.js HOST PORT USER PASS
const { Cam } = require('onvif');
// the client can end without ever calling back (replies it cannot parse):
// that is a failure, not an empty answer
let printed = false;
const out = (o) => { printed = true; console.log(JSON.stringify(o)); };
process.on('exit', () => { if (!printed) { console.error('npm-onvif: no answer'); process.exitCode = 1; } });
const [host, port, username, password] = process.argv.slice(2);
new Cam({ hostname: host, port: +port, username, password, timeout: 10000 }, function (err) {
	if (err) { console.error('npm-onvif: ' + err.message); process.exit(1); }
	this.getDeviceInformation((e, info) => {
		if (e) { console.error('npm-onvif: ' + e.message); process.exit(1); }
		out(({
			manufacturer: info.manufacturer, model: info.model,
			firmware: info.firmwareVersion, serial: info.serialNumber,
			hardware_id: info.hardwareId,
			ptz: !!(this.uri && this.uri.ptz), media2: !!this.media2Support,
		}));
	});
});
