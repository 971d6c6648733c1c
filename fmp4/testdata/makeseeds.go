//go:build ignore

// makeseeds writes the seed corpus of FuzzParse and FuzzReader (testdata/fuzz/...): small
// real ffmpeg outputs of the vtest footage (scaled down so that the fuzzer can mutate them
// quickly) in the flavours ffmpeg's mp4 muxer writes, plus truncated and garbled variants.
//
//	go run fmp4/testdata/makeseeds.go   (from the module root, after scripts/setup.sh)
package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
)

func main() {
	src := filepath.Join(".cache", "media", "vtest.avi")
	if _, err := os.Stat(src); err != nil {
		log.Fatalf("%s is missing: run scripts/setup.sh", src)
	}
	enc := map[string][]string{
		"h264": {"-c:v", "libx264", "-preset", "ultrafast", "-bf", "2", "-g", "5", "-keyint_min", "5", "-sc_threshold", "0"},
		"h265": {"-c:v", "libx265", "-preset", "ultrafast", "-tag:v", "hvc1", "-x265-params", "keyint=5:min-keyint=5:scenecut=0:bframes=2:log-level=error"},
	}
	flavours := map[string]string{
		"moof":     "frag_keyframe+empty_moov+default_base_moof",                      // what ffmpeg.Fragmented asks for
		"explicit": "frag_keyframe+empty_moov",                                        // tfhd base_data_offset
		"negcts":   "frag_keyframe+empty_moov+default_base_moof+negative_cts_offsets", // trun v1
		"cmaf":     "frag_keyframe+empty_moov+default_base_moof+cmaf",                 // styp, sidx
		"dash":     "frag_keyframe+empty_moov+default_base_moof+dash+global_sidx",
	}
	seeds := map[string][]byte{}
	for codec, args := range enc {
		for name, flags := range flavours {
			cmd := []string{"-nostdin", "-v", "error", "-i", src, "-t", "1.0", "-an", "-vf", "scale=64:48"}
			cmd = append(cmd, args...)
			cmd = append(cmd, "-movflags", flags, "-f", "mp4", "pipe:1")
			out, err := exec.Command("ffmpeg", cmd...).Output()
			if err != nil {
				log.Fatalf("ffmpeg %v: %v", cmd, err)
			}
			seeds[codec+"-"+name] = out
		}
	}
	// Variants of the plain H.264 one.
	base := seeds["h264-moof"]
	for _, n := range []int{7, 24, 100, len(base) / 3, len(base) / 2, len(base) - 1} {
		seeds[fmt.Sprintf("h264-truncated-%d", n)] = base[:n]
	}
	boxes := offsets(base)
	for i, off := range boxes {
		g := bytes.Clone(base)
		binary.BigEndian.PutUint32(g[off:], binary.BigEndian.Uint32(g[off:])^0x00010000)
		seeds[fmt.Sprintf("h264-garbled-size-%d", i)] = g
	}
	g := bytes.Clone(base)
	for i := len(g) / 4; i < len(g); i += 97 {
		g[i] ^= 0x5a
	}
	seeds["h264-garbled-bytes"] = g
	seeds["h264-twice"] = append(bytes.Clone(base), base...)
	seeds["text"] = []byte("not a video at all\n")
	for _, fuzz := range []string{"FuzzParse", "FuzzReader"} {
		dir := filepath.Join("fmp4", "testdata", "fuzz", fuzz)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			log.Fatal(err)
		}
		for name, b := range seeds {
			data := "go test fuzz v1\n[]byte(" + strconv.Quote(string(b)) + ")\n"
			if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
				log.Fatal(err)
			}
		}
	}
	log.Printf("%d seeds", len(seeds))
}

// offsets returns where the top-level boxes begin and, within the first moof, its children.
func offsets(b []byte) []int {
	var out []int
	for off := 0; off+8 <= len(b); {
		size := int(binary.BigEndian.Uint32(b[off:]))
		out = append(out, off)
		if string(b[off+4:off+8]) == "moof" && len(out) < 8 {
			for c := off + 8; c+8 <= off+size; {
				out = append(out, c)
				cs := int(binary.BigEndian.Uint32(b[c:]))
				if string(b[c+4:c+8]) == "traf" {
					c += 8
					continue
				}
				if cs < 8 {
					break
				}
				c += cs
			}
		}
		if size < 8 || len(out) > 8 {
			break
		}
		off += size
	}
	return out
}
