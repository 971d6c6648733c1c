package mask

import (
	"custodian/track"
)

// Apply masks boxes in a packed BGR frame of width×height pixels, in place: every block of
// block×block pixels, on a grid fixed to the frame, that a box touches is replaced by its
// mean colour (pixelation), or by FillColor when fill is set. Blocks at the right and
// bottom edges are cut by the frame. cells is scratch space kept between calls (may be
// nil). It returns the number of pixels masked.
func Apply(pix []byte, width, height int, boxes []track.Mask, block int, fill bool, cells *[]bool) int {
	if block < 1 || len(boxes) == 0 || len(pix) != width*height*3 {
		return 0
	}
	cols, rows := ceilDiv(width, block), ceilDiv(height, block)
	var c []bool
	if cells != nil && len(*cells) == cols*rows {
		c = *cells
		clear(c)
	} else {
		c = make([]bool, cols*rows)
		if cells != nil {
			*cells = c
		}
	}
	for _, m := range boxes {
		b := m.Box
		if !(b.W > 0 && b.H > 0) {
			continue
		}
		x0 := clampInt(floorInt(b.X)/block, 0, cols-1)
		y0 := clampInt(floorInt(b.Y)/block, 0, rows-1)
		x1 := clampInt(ceilDiv(max(floorInt(b.X+b.W+0.999999), 1), block), 1, cols)
		y1 := clampInt(ceilDiv(max(floorInt(b.Y+b.H+0.999999), 1), block), 1, rows)
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				c[y*cols+x] = true
			}
		}
	}
	masked := 0
	stride := width * 3
	for cy := 0; cy < rows; cy++ {
		py0, py1 := cy*block, min((cy+1)*block, height)
		for cx := 0; cx < cols; cx++ {
			if !c[cy*cols+cx] {
				continue
			}
			px0, px1 := cx*block, min((cx+1)*block, width)
			n := (px1 - px0) * (py1 - py0)
			masked += n
			col := FillColor
			if !fill {
				var sb, sg, sr int
				for y := py0; y < py1; y++ {
					row := pix[y*stride+px0*3 : y*stride+px1*3]
					for i := 0; i < len(row); i += 3 {
						sb += int(row[i])
						sg += int(row[i+1])
						sr += int(row[i+2])
					}
				}
				col = [3]byte{byte((sb + n/2) / n), byte((sg + n/2) / n), byte((sr + n/2) / n)}
			}
			for y := py0; y < py1; y++ {
				row := pix[y*stride+px0*3 : y*stride+px1*3]
				for i := 0; i < len(row); i += 3 {
					row[i], row[i+1], row[i+2] = col[0], col[1], col[2]
				}
			}
		}
	}
	return masked
}
