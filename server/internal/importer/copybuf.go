package importer

import (
	"bytes"
	"context"
	"encoding/binary"
	"slices"
	"strings"
	"sync"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// copyBuf builds the data of COPY … FROM STDIN (FORMAT binary) for the few column types the
// importer writes, without pgx's per-value type lookups (a tenth of the Go work per row).
type copyBuf struct{ b []byte }

func newCopyBuf(size int) *copyBuf {
	c := copyBufs.Get().(*copyBuf)
	c.b = slices.Grow(c.b[:0], size)
	c.b = append(c.b, "PGCOPY\n\xff\r\n\x00"...) // signature
	c.b = append(c.b, 0, 0, 0, 0, 0, 0, 0, 0)    // flags, header extension length
	return c
}

// copyBufs keeps the buffers of batches written for the next ones: built anew for every
// COPY and grown row by row, they were a fifth of the bytes an import allocates.
var copyBufs = sync.Pool{New: func() any { return &copyBuf{} }}

// maxPooledCopyBuf: a larger buffer (a batch of unusually long rows) is left to the collector.
const maxPooledCopyBuf = 4 << 20

// row starts a row of n fields.
func (c *copyBuf) row(n int) { c.b = binary.BigEndian.AppendUint16(c.b, uint16(n)) }

func (c *copyBuf) text(s string) {
	c.b = binary.BigEndian.AppendUint32(c.b, uint32(len(s)))
	c.b = append(c.b, s...)
}

// textOrNull writes NULL for nil.
func (c *copyBuf) textOrNull(s *string) {
	if s == nil {
		c.b = append(c.b, 0xff, 0xff, 0xff, 0xff)
		return
	}
	c.text(*s)
}

func (c *copyBuf) uuid(id uuid.UUID) {
	c.b = binary.BigEndian.AppendUint32(c.b, 16)
	c.b = append(c.b, id[:]...)
}

func (c *copyBuf) int4(v int32) {
	c.b = binary.BigEndian.AppendUint32(c.b, 4)
	c.b = binary.BigEndian.AppendUint32(c.b, uint32(v))
}

func (c *copyBuf) bytea(v []byte) {
	c.b = binary.BigEndian.AppendUint32(c.b, uint32(len(v)))
	c.b = append(c.b, v...)
}

// copyInto sends the rows written to c into table's columns; c is not to be used after.
func (c *copyBuf) copyInto(ctx context.Context, tx pgx.Tx, table string, columns []string) error {
	c.b = append(c.b, 0xff, 0xff) // trailer
	_, err := tx.Conn().PgConn().CopyFrom(ctx, bytes.NewReader(c.b),
		"COPY "+pgx.Identifier{table}.Sanitize()+" ("+strings.Join(columns, ", ")+") FROM STDIN (FORMAT binary)")
	// Only after a COPY that succeeded is pgconn's reader of the buffer known to be done.
	if err == nil && cap(c.b) <= maxPooledCopyBuf {
		copyBufs.Put(c)
	}
	return err
}
