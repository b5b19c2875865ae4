package csvfile

// The consent columns, English and German: which purpose, when and how the person consented.
// A file exported from a newsletter tool carries them for every opted-in address.
func init() {
	for alias, c := range map[string]column{
		"consent": colConsent, "einwilligung": colConsent, "consentpurpose": colConsent,
		"einwilligungszweck": colConsent,

		"consentdate": colConsentDate, "einwilligungsdatum": colConsentDate, "consentgivenat": colConsentDate,
		"consentgiven": colConsentDate, "einwilligungam": colConsentDate, "datumeinwilligung": colConsentDate,
		"eingewilligtam": colConsentDate, "optindate": colConsentDate, "optindatum": colConsentDate,

		"consentsource": colConsentSource, "quelle": colConsentSource, "einwilligungsquelle": colConsentSource,
		"consentmethod": colConsentSource, "optinsource": colConsentSource, "optinquelle": colConsentSource,
	} {
		headerAliases[alias] = c
	}
}
