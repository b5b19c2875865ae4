package app

import (
	"github.com/vermerk/vermerk/client/internal/api"
)

// Screen names the form or dialog a write is sent from, so that what became of a write sent
// again after a lost answer is said in that screen's terms (SubmissionErrorText).
type Screen string

// The screens that send a write the user can change while its answer is unclear. A
// confirmation with nothing to change (taking someone off a list, revoking a token, deleting
// a webhook) names NoScreen: its send cannot differ from the first.
const (
	NoScreen              Screen = ""
	ScreenContactNew      Screen = "contactNew"   // the form of a new contact (and its override reason)
	ScreenContactEdit     Screen = "contactEdit"  // the form of a saved contact
	ScreenConsentGrant    Screen = "consentGrant" // recording a consent
	ScreenConsentRevoke   Screen = "consentRevoke"
	ScreenListAdd         Screen = "listAdd"     // putting a person on a distribution list
	ScreenListPutBack     Screen = "listPutBack" // … one who left it, with a reason
	ScreenMerge           Screen = "merge"
	ScreenErasure         Screen = "erasure"
	ScreenBlock           Screen = "block"   // a person on the blacklist (objection, restriction)
	ScreenUnblock         Screen = "unblock" // lifting a blacklist entry
	ScreenRequestFile     Screen = "requestFile"
	ScreenRequestExtend   Screen = "requestExtend"
	ScreenRequestReject   Screen = "requestReject"
	ScreenRequestComplete Screen = "requestComplete"
	ScreenImportStart     Screen = "importStart"
	ScreenImportRow       Screen = "importRow" // deciding a held import row
	ScreenPurpose         Screen = "purpose"
	ScreenList            Screen = "list" // a new distribution list (Einrichtung)
	ScreenToken           Screen = "token"
	ScreenWebhook         Screen = "webhook"
	ScreenWebhookSecret   Screen = "webhookSecret"
)

// Screens are the screens with a text of their own for a changed write sent again.
var Screens = []Screen{
	ScreenContactNew, ScreenContactEdit, ScreenConsentGrant, ScreenConsentRevoke, ScreenListAdd,
	ScreenListPutBack, ScreenMerge, ScreenErasure, ScreenBlock, ScreenUnblock, ScreenRequestFile,
	ScreenRequestExtend, ScreenRequestReject, ScreenRequestComplete, ScreenImportStart,
	ScreenImportRow, ScreenPurpose, ScreenList, ScreenToken, ScreenWebhook, ScreenWebhookSecret,
}

// SentAgainChanged says the server refused a write as IDEMPOTENCY_KEY_REUSED: it was changed
// while its first send's answer was unclear, and that first send is what was carried out.
func SentAgainChanged(err error) bool {
	return api.HasReason(err, "IDEMPOTENCY_KEY_REUSED")
}

// ChangedKey is the text key of what screen says when its write, changed while the first
// answer was unclear, was refused as IDEMPOTENCY_KEY_REUSED: what the first send saved and
// what to do now.
func (s Screen) ChangedKey() string { return "resend.changed." + string(s) }

// ChangedText is what screen says when the server refused its write sent again with
// IDEMPOTENCY_KEY_REUSED (the first send was carried out, the change made after it was not);
// the reason's general text for a screen without one of its own. first names what the first
// send sent where the screen's text says it (the file of an import, the list chosen). ok is
// false for any other error.
func ChangedText(screen Screen, err error, first string, loc Localizer) (text string, ok bool) {
	if !SentAgainChanged(err) {
		return "", false
	}
	if screen != NoScreen {
		if text, ok := catalogueText(screen.ChangedKey(), map[string]any{"First": first}, loc); ok {
			return text, true
		}
	}
	return ErrorText(err, loc), true
}

// ReplayedText is what screen says when its write, sent again after its answer was lost, was
// answered with the first send's answer (Submission.Replayed): the first send did it, and
// nothing was done twice (resend.replayed.<screen>). ok is false for a screen without one.
func ReplayedText(screen Screen, loc Localizer) (text string, ok bool) {
	if screen == NoScreen {
		return "", false
	}
	return catalogueText("resend.replayed."+string(screen), nil, loc)
}
