# demo: gb-ptzcmd: GB/T 28181 PTZCmd encode and decode
set -eu
echo '$ gb-ptzcmd left 0xFA'
gb-ptzcmd left 0xFA
echo '$ gb-ptzcmd --address 77 up-right 128 64'
gb-ptzcmd --address 77 up-right 128 64
echo '$ gb-ptzcmd --decode a50f4d0190000092   # from a Hikvision platform capture'
gb-ptzcmd --decode a50f4d0190000092
echo '$ printf "A50F01820005003C\nA50F018602BCA099\n" | gb-ptzcmd --decode'
printf 'A50F01820005003C\nA50F018602BCA099\n' | gb-ptzcmd --decode
echo '$ gb-ptzcmd --xml --device-id 34020000001320000001 --sn 1 preset-goto 5'
gb-ptzcmd --xml --device-id 34020000001320000001 --sn 1 preset-goto 5 | tr -d '\r'
echo '$ gb-ptzcmd --decode A50F0100000000B4   # bad checksum: exit 65'
gb-ptzcmd --decode A50F0100000000B4 || echo "(exit $?)"
