package app

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vermerk/vermerk/client/internal/api"
	"github.com/vermerk/vermerk/client/internal/i18n"
)

func TestDescribeSaysWhatMatchedAndWhy(t *testing.T) {
	m := api.BlacklistMatch{Field: api.MatchFieldEmail, Entry: erasedEntry}
	if got, want := Describe(m, i18n.MustNew("en")), "This e-mail belongs to a person who was erased on 3 May 2026. Reason: at their request."; got != want {
		t.Errorf("en:\n got %q\nwant %q", got, want)
	}
	if got, want := Describe(m, i18n.MustNew("de")), "Diese E-Mail-Adresse gehört einer Person, die am 3. Mai 2026 gelöscht wurde. Grund: at their request."; got != want {
		t.Errorf("de:\n got %q\nwant %q", got, want)
	}
	manual := api.BlacklistMatch{Field: api.MatchFieldNameAndAddress, Entry: api.BlacklistEntryFields{Source: api.BlacklistSourceManual, CreatedAt: erasedEntry.CreatedAt}}
	if got := Describe(manual, i18n.MustNew("en")); !strings.Contains(got, "name and address") || strings.Contains(got, "Reason") {
		t.Errorf("manual name match: %q", got)
	}
	// also the text of an import row held for its name and address (the server holds those)
	postal := api.BlacklistMatch{Field: api.MatchFieldNameAndAddress, Entry: erasedEntry}
	if got, want := Describe(postal, i18n.MustNew("de")), "Eine Person mit diesem Namen und dieser Anschrift wurde am 3. Mai 2026 gelöscht. "+
		"Bitte prüfen, ob es jemand anderes ist. Grund: at their request."; got != want {
		t.Errorf("de, name and address:\n got %q\nwant %q", got, want)
	}
}

func TestWarningsPutBlockingFirst(t *testing.T) {
	s := api.ScreeningFields{Blocked: true, Matches: []api.BlacklistMatch{
		{Field: api.MatchFieldNameAndAddress, Entry: erasedEntry},
		{Field: api.MatchFieldPhone, Entry: erasedEntry},
	}}
	w := Warnings(s, i18n.MustNew("en"))
	if len(w) != 2 || !w[0].Blocking || w[0].Field != api.MatchFieldPhone || w[1].Blocking {
		t.Fatalf("warnings = %+v", w)
	}
}

func TestLiveScreenDebouncesAndDropsStaleAnswers(t *testing.T) {
	fake := &fakeBackend{delay: 50 * time.Millisecond}
	var mu sync.Mutex
	var got []ScreenAnswer
	ls := NewLiveScreen(fake, 40*time.Millisecond, func(a ScreenAnswer) {
		mu.Lock()
		got = append(got, a)
		mu.Unlock()
	})
	defer ls.Stop()

	// Typing fast: only the last candidate is screened.
	for _, s := range []string{"e", "er", "era", "erased@example.org"} {
		ls.Set(ContactForm{Emails: s}.Input())
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(150 * time.Millisecond)
	fake.mu.Lock()
	if n := len(fake.screens); n != 1 {
		t.Errorf("server asked %d times, want 1", n)
	}
	fake.mu.Unlock()

	// A keystroke while an answer is in flight makes that answer stale.
	ls.Set(ContactForm{Emails: "clean@example.org"}.Input())
	time.Sleep(60 * time.Millisecond) // debounce passed, request in flight
	ls.Set(ContactForm{Emails: "erased@example.org"}.Input())
	time.Sleep(200 * time.Millisecond)

	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 {
		t.Fatalf("delivered %d answers, want 2: %+v", len(got), got)
	}
	for _, a := range got {
		if !a.Value.Blocked || a.Query.Emails[0] != "erased@example.org" {
			t.Errorf("delivered a stale or wrong answer: %+v", a)
		}
	}
	if got[0].Seq >= got[1].Seq {
		t.Errorf("answers out of order: %d then %d", got[0].Seq, got[1].Seq)
	}
}

func TestLiveScreenSkipsServerWithoutIdentifiers(t *testing.T) {
	fake := &fakeBackend{}
	done := make(chan ScreenAnswer, 1)
	ls := NewLiveScreen(fake, time.Millisecond, func(a ScreenAnswer) { done <- a })
	ls.Set(ContactForm{GivenName: "Anna", FamilyName: "Muster"}.Input())
	a := <-done
	if a.Value.Blocked || len(fake.screens) != 0 {
		t.Fatalf("screened without identifiers: %+v, %d calls", a, len(fake.screens))
	}
}

func TestRefreshScreensAgain(t *testing.T) {
	fake := &fakeBackend{}
	done := make(chan ScreenAnswer, 2)
	ls := NewLiveScreen(fake, time.Millisecond, func(a ScreenAnswer) { done <- a })
	ls.Set(ContactForm{Emails: "a@example.org"}.Input())
	<-done
	ls.Refresh()
	<-done
	if len(fake.screens) != 2 {
		t.Fatalf("screens = %d, want 2", len(fake.screens))
	}
}

// TestKeystrokeToWarningLatency types an erased person's e-mail at 80 ms a key (a fast
// typist) against a server that answers in 20 ms, and measures from the last keystroke to
// the warning, three times. Target: a median of at most 300 ms, debounce included.
func TestKeystrokeToWarningLatency(t *testing.T) {
	var runs []time.Duration
	for range 3 {
		runs = append(runs, typeAndWaitForWarning(t))
	}
	slices.Sort(runs)
	t.Logf("keystroke-to-warning latency: %v (median of %v; debounce %v, server 20 ms)", runs[1].Round(time.Millisecond), runs, ScreenDelay)
	if runs[1] > 300*time.Millisecond {
		t.Errorf("median latency %v > 300 ms", runs[1])
	}
}

func typeAndWaitForWarning(t *testing.T) time.Duration {
	fake := &fakeBackend{delay: 20 * time.Millisecond}
	warned := make(chan time.Time, 16)
	ls := NewLiveScreen(fake, ScreenDelay, func(a ScreenAnswer) {
		if a.Value.Blocked {
			warned <- time.Now()
		}
	})
	defer ls.Stop()
	email := "erased@example.org"
	var last time.Time
	for i := 1; i <= len(email); i++ {
		last = time.Now()
		ls.Set(ContactForm{Emails: email[:i]}.Input())
		time.Sleep(80 * time.Millisecond)
	}
	select {
	case at := <-warned:
		return at.Sub(last).Round(time.Millisecond)
	case <-time.After(2 * time.Second):
		t.Fatal("no warning")
		return 0
	}
}

func TestSaveNeedsAReasonToOverride(t *testing.T) {
	fake := &fakeBackend{}
	f := ContactForm{FamilyName: "Muster", Emails: "erased@example.org"}
	r, err := Save(context.Background(), fake, f, nil)
	if err != nil || !r.Refused || r.Saved != nil || !r.Screening.Blocked {
		t.Fatalf("first save: %+v, %v", r, err)
	}
	if _, err := Save(context.Background(), fake, f, &Override{Reason: "   ", Shown: r.Screening}); !errors.Is(err, ErrReasonRequired) {
		t.Fatalf("blank reason: err = %v", err)
	}
	shown := r.Screening
	r, err = Save(context.Background(), fake, f, &Override{Reason: " new written consent of 4 June ", Shown: shown})
	if err != nil || r.Saved == nil {
		t.Fatalf("override save: %+v, %v", r, err)
	}
	last := fake.overrides[len(fake.overrides)-1]
	var ids []string
	for _, m := range shown.Matches {
		ids = append(ids, m.Entry.Id)
	}
	if last == nil || last.Reason != "new written consent of 4 June" || len(ids) == 0 || !slices.Equal(last.EntryIds, ids) {
		t.Fatalf("override sent = %+v, want the reason trimmed and the entries shown, %v", last, ids)
	}
}

func TestFormInput(t *testing.T) {
	f := ContactForm{GivenName: " Anna ", FamilyName: "Muster", Emails: "a@x.de, b@y.de;\n", Phones: "", Street: "Hauptstr. 1", PostalCode: "10115", City: "Berlin", Country: "de"}
	in := f.Input()
	if *in.GivenName != "Anna" || in.Organization != nil || len(in.Emails) != 2 || in.Phones != nil {
		t.Errorf("input = %+v", in)
	}
	if in.Address == nil || *in.Address.Country != "DE" {
		t.Errorf("address = %+v", in.Address)
	}
	if !Screenable(in) {
		t.Error("not screenable")
	}
	if errs := (ContactForm{Emails: "anna@"}).Validate(); len(errs) != 2 {
		t.Errorf("validate = %v", errs)
	}
}

func TestRevocationFeedResumesAfterLastCursor(t *testing.T) {
	var f RevocationFeed
	f.Add(api.RevocationFields{Cursor: "1"})
	f.Add(api.RevocationFields{Cursor: "2"})
	if f.Add(api.RevocationFields{Cursor: "2"}) {
		t.Error("replayed event added twice")
	}
	if f.Cursor != "2" || len(f.Events) != 2 || f.Events[0].Cursor != "2" {
		t.Errorf("feed = %+v", f)
	}
}

func TestErrorTextTellsWhatToDo(t *testing.T) {
	loc := i18n.MustNew("en")
	err := &api.Error{Op: "me", Code: "UNAUTHENTICATED", Message: "bearer token refused"}
	if got := ErrorText(err, loc); !strings.Contains(got, "refused the token") || !strings.Contains(got, "settings") {
		t.Errorf("ErrorText = %q", got)
	}
	err = &api.Error{Op: "me", Code: "UNREACHABLE", Message: "connection refused"}
	if got := ErrorText(err, loc); !strings.Contains(got, "cannot be reached") {
		t.Errorf("ErrorText = %q", got)
	}
	err = &api.Error{Op: "createContact", Code: "ANSWER_LOST", Message: "EOF", Server: "http://127.0.0.1:8080"}
	if got := ErrorText(err, loc); strings.Contains(got, "cannot be reached") || !strings.Contains(got, "No answer came from the server at http://127.0.0.1:8080") {
		t.Errorf("ErrorText = %q, want that no answer came from the server, not that it cannot be reached", got)
	}
	if got := SubmissionErrorText(err, NoScreen, loc); !strings.Contains(got, "may or may not have arrived") || !strings.Contains(got, "carried out once") {
		t.Errorf("SubmissionErrorText = %q, want that it may have arrived and sending again is safe", got)
	}
	// The import screen says it in its own terms: nothing was typed there, and the question is
	// whether the import began; each way an answer can be unclear.
	for _, code := range []string{"ANSWER_LOST", "UNREACHABLE", "NO_ANSWER"} {
		err := &api.Error{Op: "startImport", Code: code, Message: "EOF", Server: "http://127.0.0.1:8080"}
		got := SubmissionErrorText(err, ScreenImportStart, loc)
		if !strings.Contains(got, "It is unclear whether the import was started") || !strings.Contains(got, "started once") || strings.Contains(got, "typed") {
			t.Errorf("SubmissionErrorText(%s, importStart) = %q, want the import's own words", code, got)
		}
		if got := SubmissionErrorText(err, ScreenContactNew, loc); !strings.Contains(got, "What you typed stays here") {
			t.Errorf("SubmissionErrorText(%s, contactNew) = %q, want the form's words", code, got)
		}
	}
	err = &api.Error{Op: "createContact", Code: "UNAVAILABLE", Message: "nothing was written"}
	if got := ErrorText(err, loc); !strings.Contains(got, "saved nothing") || !strings.Contains(got, "try again") {
		t.Errorf("ErrorText = %q", got)
	}
}

// A read whose answer was lost changed nothing: its text (ErrorText, what every screen shows
// for a failed load) says that no answer came and that loading again is safe, not that it is
// unclear whether it arrived. A write's (SubmissionErrorText, SaveErrorText) says that.
func TestALostAnswerReadsOneWayForAReadAndAnotherForAWrite(t *testing.T) {
	err := &api.Error{Op: "contacts", Code: "ANSWER_LOST", Message: "unexpected EOF", Server: "http://127.0.0.1:8080"}
	for _, tc := range []struct {
		lang, kind string
		text       func(error, Localizer) string
		want       []string
		not        []string
	}{
		{"de", "read", ErrorText, []string{"Vom Server unter http://127.0.0.1:8080 kam keine Antwort", "nichts geändert", "erneut laden"}, []string{"unklar", "angekommen"}},
		{"en", "read", ErrorText, []string{"No answer came from the server at http://127.0.0.1:8080", "changes nothing", "loading again is safe"}, []string{"unclear", "arrived"}},
		{"de", "write", func(err error, loc Localizer) string { return SubmissionErrorText(err, ScreenContactNew, loc) }, []string{"Ob gespeichert wurde, ist unklar", "einfach erneut"}, []string{"erneut laden"}},
		{"en", "write", func(err error, loc Localizer) string { return SubmissionErrorText(err, ScreenContactNew, loc) }, []string{"It is unclear whether this was saved", "Just send it again"}, []string{"loading again"}},
		{"de", "write without key", SaveErrorText, []string{"unklar"}, []string{"erneut laden"}},
		{"en", "write without key", SaveErrorText, []string{"unclear"}, []string{"loading again"}},
	} {
		got := tc.text(err, i18n.MustNew(tc.lang))
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s, a %s whose answer was lost: %q, want %q in it", tc.lang, tc.kind, got, w)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(got, n) {
				t.Errorf("%s, a %s whose answer was lost: %q, want no %q in it", tc.lang, tc.kind, got, n)
			}
		}
	}
}

func TestImportFlowIgnoresOlderProgress(t *testing.T) {
	var f ImportFlow
	f.Apply(api.ImportJobFields{Id: "j", Status: api.ImportStatusRunning, Total: 10, Processed: 6})
	if f.Apply(api.ImportJobFields{Id: "j", Status: api.ImportStatusRunning, Total: 10, Processed: 4}) {
		t.Error("older progress applied")
	}
	if f.Progress() != 0.6 {
		t.Errorf("progress = %v", f.Progress())
	}
	f.Apply(api.ImportJobFields{Id: "j", Status: api.ImportStatusDone, Total: 10, Processed: 10})
	if !f.Finished() {
		t.Error("not finished")
	}
}

func TestChannelTokenIsWhatTheServerTakes(t *testing.T) {
	for in, want := range map[string]string{"phone": "phone", " In Person ": "in-person", "E-Mail": "e-mail", "via_web  form": "via-web-form"} {
		if got := ChannelToken(in); got != want {
			t.Errorf("ChannelToken(%q) = %q, want %q", in, got, want)
		}
	}
	for _, c := range RevocationChannels {
		if ChannelToken(c) != c {
			t.Errorf("offered channel %q is not a token", c)
		}
	}
}

// Sources and channels are stored as tokens ("letter") and read in the user's language; what
// is picked from the offered texts goes back as the token, free text as typed.
func TestChannelTextSpeaksTheUsersLanguage(t *testing.T) {
	de, en := i18n.MustNew("de"), i18n.MustNew("en")
	for _, c := range []struct {
		in   string
		loc  Localizer
		want string
	}{
		{"letter", de, "Brief"},
		{"web form", de, "Webformular"},
		{"unsubscribe-link", de, "Abmeldelink"},
		{"double-opt-in", de, "Double-Opt-in"},
		{"in-person", en, "in person"},
		{"Postkarte", de, "Postkarte"},
	} {
		if got := ChannelText(c.in, c.loc); got != c.want {
			t.Errorf("ChannelText(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	for tok := range knownChannels {
		for _, loc := range []*i18n.Localizer{de, en} {
			if got := ChannelText(tok, loc); got == "channel."+tok {
				t.Errorf("%s has no text for channel %q", loc.Lang(), tok)
			}
		}
	}
	if got := ChannelFromText(" brief ", RevocationChannels, de); got != "letter" {
		t.Errorf("ChannelFromText(brief) = %q, want letter", got)
	}
	if got := ChannelFromText("Webformular", ConsentSources, de); got != "web form" {
		t.Errorf("ChannelFromText(Webformular) = %q, want web form", got)
	}
	if got := ChannelFromText("Fax", RevocationChannels, de); got != "Fax" {
		t.Errorf("ChannelFromText(Fax) = %q, want Fax", got)
	}
}

// The import's counts are numbers beside words that do not change with them: "1 duplicates"
// was wrong.
func TestImportCountsReadRightForOne(t *testing.T) {
	data := map[string]any{"Processed": 6, "Total": 6, "Inserted": 1, "Duplicates": 1, "Held": 1, "Invalid": 1}
	for lang, want := range map[string]string{
		"en": "6 of 6 rows: 1 inserted, 1 already there, 1 held, 1 invalid",
		"de": "6 von 6 Zeilen: 1 eingefügt, 1 doppelt, 1 zurückgehalten, 1 ungültig",
	} {
		if got := i18n.MustNew(lang).N("import.status", 6, data); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
	}
}

// A server that does not answer is named, in the user's language, with what to do; the
// network's own words (dial tcp …: connection refused) stay out of the text.
func TestAnUnreachableServerIsNamedInPlainWords(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c, err := api.New("http://"+addr, "token")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Me(context.Background())
	for lang, want := range map[string]string{
		"de": "Der Server unter http://" + addr + " ist nicht erreichbar. Bitte prüfen, ob die Adresse",
		"en": "The server at http://" + addr + " cannot be reached. Check that the address",
	} {
		got := ErrorText(err, i18n.MustNew(lang))
		if !strings.Contains(got, want) {
			t.Errorf("%s: ErrorText = %q, want %q", lang, got, want)
		}
		for _, technical := range []string{"dial", "refused", "tcp", "/graphql", "Post", "UNREACHABLE"} {
			if strings.Contains(got, technical) {
				t.Errorf("%s: ErrorText = %q quotes %q", lang, got, technical)
			}
		}
	}
}
