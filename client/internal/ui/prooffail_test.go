package ui

import (
	"context"
	"net"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/demo"
)

// The consent proof could not be loaded: the dialog says why and shows nothing else, not an
// empty ledger's column headers under the error, which read as "no consents recorded".
func TestAProofThatCouldNotBeLoadedShowsOnlyWhy(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c, err := api.New("http://"+addr, "a-token-of-the-staff")
	if err != nil {
		t.Fatal(err)
	}
	detail, err := demo.New().Contact(context.Background(), "c001")
	if err != nil {
		t.Fatal(err)
	}
	loc, w := testWindow(t)
	d := NewDetailView(c, loc, w, detail, nil, true)
	w.SetContent(d.Object())
	test.Tap(d.Proof)
	v := d.ProofView
	eventuallyE2E(t, "the failed load", func() bool { return strings.Contains(v.Message.Text, "cannot be reached") })
	if v.Table.Visible() {
		rows, cols := v.Table.Length()
		t.Errorf("under %q the dialog shows the ledger's table (%d rows, %d columns with their headers)", v.Message.Text, rows, cols)
	}
}
