package csvfile

import (
	"bytes"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// Encodings reported in Format.Encoding.
const (
	EncodingUTF8        = "UTF-8"
	EncodingUTF8BOM     = "UTF-8 (BOM)"
	EncodingWindows1252 = "Windows-1252"
	EncodingUTF16LEBOM  = "UTF-16LE (BOM)"
	EncodingUTF16BEBOM  = "UTF-16BE (BOM)"
)

// sampleSize is how much of the file decides the encoding and the separator.
const sampleSize = 64 << 10

// validUTF8Sample reports whether b is valid UTF-8, allowing a rune cut off
// at the end of the sample when more input follows.
func validUTF8Sample(b []byte, atEOF bool) bool {
	if !atEOF {
		for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
			if utf8.RuneStart(b[i]) {
				if !utf8.FullRune(b[i:]) {
					b = b[:i]
				}
				break
			}
		}
	}
	return utf8.Valid(b)
}

// detectSeparator picks ',', ';' or tab: whichever occurs most often outside
// quotes on the first line that has any of them (a title row above the header
// may have none). It also recognises Excel's "sep=;" first line.
func detectSeparator(sample []byte) (sep rune, sepLine bool) {
	first, _, _ := bytes.Cut(sample, []byte{'\n'})
	first = bytes.TrimRight(first, "\r")
	if len(first) == 5 && bytes.EqualFold(first[:4], []byte("sep=")) {
		switch first[4] {
		case ',', ';', '\t', '|':
			return rune(first[4]), true
		}
	}
	var comma, semicolon, tab int
	inQuotes := false
	for lines, i := 0, 0; i < len(sample) && lines < 10; i++ {
		switch c := sample[i]; {
		case c == '"':
			inQuotes = !inQuotes
		case inQuotes:
		case c == ',':
			comma++
		case c == ';':
			semicolon++
		case c == '\t':
			tab++
		case c == '\n' || c == '\r':
			if comma+semicolon+tab > 0 {
				lines = 10
			}
			lines++
		}
	}
	switch {
	case semicolon > 0 && semicolon >= comma && semicolon >= tab:
		return ';', false
	case tab > comma:
		return '\t', false
	}
	return ',', false
}

// decodeWindows1252 maps each byte to its Windows-1252 character.
var decodeWindows1252 = func() (t [256]rune) {
	for i := range t {
		t[i] = charmap.Windows1252.DecodeByte(byte(i))
	}
	return t
}()

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func windows1252ToUTF8(s string) string {
	buf := make([]byte, 0, len(s)+len(s)/2)
	for i := 0; i < len(s); i++ {
		buf = utf8.AppendRune(buf, decodeWindows1252[s[i]])
	}
	return string(buf)
}
