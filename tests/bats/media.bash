# media.bash: test media made by ffmpeg at test time, for the media tools'
# bats files (load media, after load helpers).

# es OUT h264|h265 [SECONDS [FFMPEG-OPTIONS...]]: SECONDS (default 3) of
# 320x240 testsrc at 25 fps as an Annex-B elementary stream, a key frame
# every 25 frames; H.264 without B-frames unless the options ask for them
# (later options win).
es() {
	local out=$1 codec=$2 secs=${3:-3}
	shift $(( $# < 3 ? $# : 3 ))
	local src=(-v error -y -f lavfi -i "testsrc=size=320x240:rate=25:duration=$secs")
	if [ "$codec" = h264 ]; then
		ffmpeg "${src[@]}" -c:v libx264 -preset ultrafast -g 25 -bf 0 "$@" -f h264 "$out"
	else
		ffmpeg "${src[@]}" -c:v libx265 -preset ultrafast \
			-x265-params log-level=error:keyint=25 "$@" -f hevc "$out"
	fi
}

# g711 OUT alaw|mulaw [SECONDS]: a 440 Hz tone, 8 kHz mono, raw G.711.
g711() {
	ffmpeg -v error -y -f lavfi -i "sine=frequency=440:duration=${3:-3}" -ar 8000 -ac 1 -f "$2" "$1"
}

# media_setup: the file's setup of a media tool's tests: the commands they
# need, D (the files setup_file made) and T (this test's directory).
media_setup() {
	require_cmd ffmpeg ffprobe python3 jq
	D=$BATS_FILE_TMPDIR
	T=$BATS_TEST_TMPDIR
}
