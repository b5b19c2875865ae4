package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"strings"

	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/blacklist"
	"github.com/vermerk/vermerk/server/internal/contacts"
	"github.com/vermerk/vermerk/server/internal/screening"
	"github.com/vermerk/vermerk/server/internal/store"
)

// The floor: contact(id) and screen answered by a bare net/http handler that calls the same
// services as the GraphQL resolvers (the contacts service's joint lookup by id, the
// blacklist's screen) on the same database, in a process of its own, with the same answer
// bytes the bench checks. No gqlgen, no token check, no limits, no log line, no metrics.
// Against the same pgx baseline it shows how much of contact_rps and screen_p99 is left to
// the GraphQL layer: what HTTP on loopback and the lookup alone reach on this machine.

// floorAddrEnv, when set, makes the bench binary serve the floor on that address instead of
// benchmarking (the bench starts itself so).
const floorAddrEnv = "BENCH_FLOOR_ADDR"

// floorRequest is the part of a GraphQL request the floor reads: the bench's contact and
// screen queries carry $id or $e.
type floorRequest struct {
	Variables struct {
		ID string `json:"id"`
		E  string `json:"e"`
	} `json:"variables"`
}

type floorMatch struct {
	Field model.MatchField `json:"field"`
	Entry struct {
		ID string `json:"id"`
	} `json:"entry"`
}

type floorAnswer struct {
	Data struct {
		Contact *floorContact `json:"contact,omitempty"`
		Screen  *floorScreen  `json:"screen,omitempty"`
	} `json:"data"`
}

type floorContact struct {
	ID         string   `json:"id"`
	GivenName  string   `json:"givenName"`
	FamilyName string   `json:"familyName"`
	Emails     []string `json:"emails"`
}

type floorScreen struct {
	Blocked bool         `json:"blocked"`
	Matches []floorMatch `json:"matches"`
}

// floorHandler answers POST /graphql for the bench's contact and screen queries, and GET
// /readyz.
func floorHandler(cs *contacts.Service, bl *blacklist.Service) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ready\n") })
	mux.HandleFunc("POST /graphql", func(w http.ResponseWriter, r *http.Request) {
		var req floorRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var ans floorAnswer
		switch {
		case req.Variables.ID != "":
			c, err := cs.Contact(r.Context(), req.Variables.ID)
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			ans.Data.Contact = &floorContact{ID: c.ID, GivenName: c.GivenName, FamilyName: c.FamilyName, Emails: c.Emails}
		case req.Variables.E != "":
			scr, err := bl.Screen(r.Context(), model.ContactInput{Emails: []string{req.Variables.E}}, false)
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			ans.Data.Screen = &floorScreen{Blocked: scr.Blocked, Matches: make([]floorMatch, len(scr.Matches))}
			for i, m := range scr.Matches {
				ans.Data.Screen.Matches[i].Field, ans.Data.Screen.Matches[i].Entry.ID = m.Field, m.Entry.ID
			}
		default:
			http.Error(w, "the floor answers the bench's contact and screen queries only", http.StatusBadRequest)
			return
		}
		out, err := json.Marshal(&ans)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(out)
	})
	return mux
}

// serveFloor is the floor process: it serves on addr until killed (the bench kills it).
func serveFloor(ctx context.Context, addr string) error {
	db, err := store.Open(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		return err
	}
	defer db.Close()
	key, err := screening.ParseKey(os.Getenv("VERMERK_SECRET_KEY"))
	if err != nil {
		return err
	}
	keyring, err := screening.NewKeyring(key)
	if err != nil {
		return err
	}
	srv := &http.Server{Addr: addr, Handler: floorHandler(contacts.New(db, nil), blacklist.New(db, keyring))}
	go func() { <-ctx.Done(); _ = srv.Close() }()
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// floorServer starts the floor on the bench database: this binary again, with floorAddrEnv.
func (b *bench) floorServer(ctx context.Context) (*server, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), floorAddrEnv+"="+addr, "DATABASE_URL="+b.dbURL, "VERMERK_SECRET_KEY="+b.secret)
	s, err := b.startProcess(ctx, cmd, "http://"+addr, "floor-"+strings.ReplaceAll(addr, ":", "-")+".log")
	if err != nil {
		return nil, fmt.Errorf("the floor server: %w", err)
	}
	return s, nil
}

// onFloor runs measure with the load runs' server CPU taken from the floor process.
func (b *bench) onFloor(floor *server, measure func()) {
	b.metered = floor
	defer func() { b.metered = nil }()
	measure()
}

// floorFigure measures op (built for a client of the floor) on the floor, at rate (0: closed
// loop), against base, the baseline run of the GraphQL figure it stands beside. Only at the
// scale's first size: it says what the GraphQL layer costs, which does not grow with the data.
func (b *bench) floorFigure(ctx context.Context, name, what string, rate float64, base loadResult, value func(loadResult) float64,
	op func(client *rawClient) func(context.Context, *rand.Rand) error) error {
	if b.phase != "" {
		return nil
	}
	floor, err := b.floorServer(ctx)
	if err != nil {
		return err
	}
	defer floor.stop()
	client, err := newRawClient(floor.url, b.scale.workers)
	if err != nil {
		return err
	}
	var run loadResult
	b.onFloor(floor, func() {
		if rate > 0 {
			run = b.loadAt(ctx, what, rate, op(client))
		} else {
			run = b.load(ctx, what, op(client))
		}
	})
	unit := "req/s"
	if rate > 0 {
		unit = "ms"
	}
	b.measured(figure{name: name, unit: unit, note: "the same services behind a bare net/http handler, no GraphQL (no gqlgen, token check, limits, log line): " +
		"what HTTP on loopback and the lookup alone reach; baseline: the pgx run of the figure above"}, run, base, value)
	return nil
}
