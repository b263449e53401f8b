// Differential peer for onvif-discover: npm `onvif` (agsh/onvif) WS-Discovery
// probe; one JSON line per answer: {urn, xaddrs}.
//   NODE_PATH=$(tests/tools/npm-onvif.sh) node onvif-discover.js IFACE TIMEOUT_MS
const { Discovery } = require('onvif');
const [device, timeout] = process.argv.slice(2);
Discovery.on('error', (err) => console.error('npm-onvif: ' + (err.message || err)));
Discovery.probe({ resolve: false, device, timeout: +timeout || 2000 }, (err, results) => {
	if (err) { console.error('npm-onvif: ' + err.message); process.exit(1); }
	for (const r of results) {
		const pm = r.probeMatches.probeMatch;
		console.log(JSON.stringify({
			urn: pm.endpointReference.address,
			xaddrs: String(pm.XAddrs || '').trim().split(/\s+/).filter(Boolean),
		}));
	}
});
