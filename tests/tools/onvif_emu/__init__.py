"""camkit ONVIF device emulator package (plugins: see README.md)."""
