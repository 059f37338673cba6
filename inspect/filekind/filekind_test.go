package filekind

import (
	"encoding/binary"
	"testing"
)

func TestSniff(t *testing.T) {
	pe := make([]byte, 0x100)
	copy(pe, "MZ")
	binary.LittleEndian.PutUint32(pe[0x3c:], 0x80)
	copy(pe[0x80:], "PE\x00\x00")
	dos := make([]byte, 0x100) // a DOS program: MZ without a PE header
	copy(dos, "MZ")
	fat := func(magic, n uint32) []byte {
		b := make([]byte, 8)
		binary.BigEndian.PutUint32(b, magic)
		binary.BigEndian.PutUint32(b[4:], n)
		return b
	}
	for _, tc := range []struct {
		name string
		b    []byte
		want Kind
	}{
		{"pe", pe, PE},
		{"pe head cut before the signature", pe[:0x82], ""},
		{"dos", dos, ""},
		{"elf", []byte("\x7fELF\x02\x01\x01"), ELF},
		{"macho64", []byte("\xcf\xfa\xed\xfe\x07\x00\x00\x01"), MachO},
		{"macho32 big-endian", []byte("\xfe\xed\xfa\xce"), MachO},
		{"fat 2", fat(0xcafebabe, 2), MachO},
		{"fat64 16", fat(0xcafebabf, MaxFatArches), MachO},
		{"fat 17", fat(0xcafebabe, MaxFatArches+1), ""},
		{"java class (version 52 where the count is)", fat(0xcafebabe, 52), ""},
		{"fat 0", fat(0xcafebabe, 0), ""},
		{"ar", []byte("!<arch>\nfoo.o/"), Ar},
		{"text", []byte("hello"), ""},
		{"empty", nil, ""},
	} {
		if got := Sniff(tc.b); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
		if got, want := IsExecutable(tc.b), tc.want == PE || tc.want == ELF || tc.want == MachO; got != want {
			t.Errorf("%s: IsExecutable %v", tc.name, got)
		}
	}
}
