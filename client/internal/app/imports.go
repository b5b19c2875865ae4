package app

import (
	"strings"

	"github.com/vermerk/vermerk/client/internal/api"
)

// ImportFlow is the import screen's state: the picked file, its preview, the running job.
type ImportFlow struct {
	FileName string
	Preview  *api.ImportPreview
	Job      *api.ImportJobFields
}

// Apply takes a job update from the subscription or a decision; an update that is older
// than what is shown (fewer rows processed while still running) is ignored.
func (f *ImportFlow) Apply(job api.ImportJobFields) bool {
	if f.Job != nil && f.Job.Id == job.Id && job.Status == api.ImportStatusRunning &&
		f.Job.Status == api.ImportStatusRunning && job.Processed < f.Job.Processed {
		return false
	}
	f.Job = &job
	return true
}

// Progress is the share of rows processed, 0..1.
func (f *ImportFlow) Progress() float64 {
	if f.Job == nil || f.Job.Total <= 0 {
		return 0
	}
	p := float64(f.Job.Processed) / float64(f.Job.Total)
	return min(max(p, 0), 1)
}

// Finished says the job will not change by itself any more.
func (f *ImportFlow) Finished() bool {
	return f.Job != nil && (f.Job.Status == api.ImportStatusDone || f.Job.Status == api.ImportStatusFailed)
}

// ColumnMapping says for every header of the preview what it was recognised as, in the
// user's language: "Vorname" when the header already says it, "Mail → E-Mail" when it was
// mapped, "Kundennummer → —" when it is ignored.
func ColumnMapping(p api.ImportPreview, loc Localizer) []string {
	out := make([]string, len(p.Headers))
	for i, h := range p.Headers {
		col := ""
		if i < len(p.Columns) {
			col = p.Columns[i]
		}
		name := "—"
		if col != "" {
			name = loc.T("import.col."+col, nil)
		}
		if strings.EqualFold(strings.TrimSpace(h), name) {
			out[i] = h
		} else {
			out[i] = h + " → " + name
		}
	}
	return out
}

// SeparatorName spells the separator out: a bare ";" is easy to miss.
func SeparatorName(sep string, loc Localizer) string {
	switch sep {
	case ";":
		return loc.T("import.sep.semicolon", nil)
	case ",":
		return loc.T("import.sep.comma", nil)
	case "\t":
		return loc.T("import.sep.tab", nil)
	}
	return strings.TrimSpace(sep)
}

// RowText is a held import row as one line, so staff recognise the person.
func RowText(r api.ImportRow) string {
	parts := []string{strings.TrimSpace(r.GivenName + " " + r.FamilyName), r.Organization, r.Email, r.Phone,
		strings.TrimSpace(r.Street + ", " + r.PostalCode + " " + r.City)}
	var out []string
	for _, p := range parts {
		if p = strings.Trim(p, " ,"); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, " · ")
}

// NewBlacklistMatch says the server refused to accept a held import row because it matches a
// blacklist entry the decision was not shown (NEW_BLACKLIST_MATCH): nothing was written, and
// the row, loaded again, shows the new match to decide on.
func NewBlacklistMatch(err error) bool {
	return api.HasReason(err, "NEW_BLACKLIST_MATCH")
}

// HeldWarnings describes every match a held row shows (its acceptance covers them all),
// blocking ones first, and says how many blacklist entries they are. A row that lists no
// matches (a server older than HeldRow.matches) shows the one it is held for.
func HeldWarnings(h api.HeldRow, loc Localizer) (warnings []Warning, entries int) {
	ms := h.Matches
	if len(ms) == 0 {
		ms = []api.BlacklistMatch{{Field: h.Field, Entry: h.Entry}}
	}
	seen := map[string]bool{}
	for _, m := range ms {
		seen[m.Entry.Id] = true
	}
	return Warnings(api.ScreeningFields{Matches: ms}, loc), len(seen)
}
