package api

import "context"

// The person's operations of person.graphql: lists, duplicates, blocking, erasure, export.

func (c *Client) PutOnList(ctx context.Context, contactID, listKey, reason string) (ContactDetail, error) {
	r, err := PutOnList(ctx, c.gql, contactID, listKey, optString(reason))
	if err != nil {
		return ContactDetail{}, c.classify("addToList", err)
	}
	return r.AddToList, nil
}

func (c *Client) RemoveFromList(ctx context.Context, contactID, listKey string) (ContactDetail, error) {
	r, err := RemoveFromList(ctx, c.gql, contactID, listKey)
	if err != nil {
		return ContactDetail{}, c.classify("removeFromList", err)
	}
	return r.RemoveFromList, nil
}

func (c *Client) ContactPerson(ctx context.Context, id string) (ContactPersonInfo, error) {
	r, err := ContactPerson(ctx, c.gql, id)
	if err != nil {
		return ContactPersonInfo{}, c.classify("contact", err)
	}
	if r.Contact == nil {
		return ContactPersonInfo{}, &Error{Op: "contact", Code: "NOT_FOUND", Message: "contact " + id + " does not exist (erased?)"}
	}
	return *r.Contact, nil
}

// MergedInto returns the survivor the merged record id lives on in; NOT_FOUND when id was
// never merged (or the person was erased since).
func (c *Client) MergedInto(ctx context.Context, id string) (ContactDetail, error) {
	r, err := MergedInto(ctx, c.gql, id)
	if err != nil {
		return ContactDetail{}, c.classify("mergedInto", err)
	}
	if r.MergedInto == nil {
		return ContactDetail{}, &Error{Op: "mergedInto", Code: "NOT_FOUND", Message: "contact " + id + " was not merged into another record"}
	}
	return *r.MergedInto, nil
}

func (c *Client) MergeContacts(ctx context.Context, intoID string, fromIDs []string, reason string) (ContactDetail, error) {
	r, err := MergeContacts(ctx, c.gql, intoID, fromIDs, reason)
	if err != nil {
		return ContactDetail{}, c.classify("mergeContacts", err)
	}
	return r.MergeContacts, nil
}

func (c *Client) BlacklistContact(ctx context.Context, contactID, reason string) (BlacklistEntryFields, error) {
	r, err := BlacklistContact(ctx, c.gql, contactID, reason)
	if err != nil {
		return BlacklistEntryFields{}, c.classify("blacklistContact", err)
	}
	return r.BlacklistContact, nil
}

func (c *Client) ErasurePreview(ctx context.Context, id string) (ErasurePlanFields, error) {
	r, err := ErasurePreview(ctx, c.gql, id)
	if err != nil {
		return ErasurePlanFields{}, c.classify("erasurePreview", err)
	}
	return r.ErasurePreview, nil
}

func (c *Client) ErasePerson(ctx context.Context, id, reason string, keep []string) (PersonErasure, error) {
	r, err := ErasePerson(ctx, c.gql, id, reason, keep)
	if err != nil {
		return PersonErasure{}, c.classify("eraseContact", err)
	}
	return r.EraseContact, nil
}

func (c *Client) SubjectAccessExport(ctx context.Context, contactID string) (string, error) {
	r, err := SubjectAccessExport(ctx, c.gql, contactID)
	if err != nil {
		return "", c.classify("subjectAccessExport", err)
	}
	return r.SubjectAccessExport, nil
}

func (c *Client) PurposesWithTexts(ctx context.Context) ([]PurposeWithTexts, error) {
	r, err := PurposesWithTexts(ctx, c.gql)
	if err != nil {
		return nil, c.classify("purposes", err)
	}
	return r.Purposes, nil
}

func (c *Client) ConsentProofDetails(ctx context.Context, contactID string) ([]ProofDetail, error) {
	r, err := ConsentProofDetails(ctx, c.gql, contactID)
	if err != nil {
		return nil, c.classify("consentProof", err)
	}
	return r.ConsentProof, nil
}

// ConsentProofRecords says for each event of the person's ledger (ConsentProof's order) which
// of her records it is on.
func (c *Client) ConsentProofRecords(ctx context.Context, contactID string) ([]ProofRecord, error) {
	r, err := ConsentProofRecords(ctx, c.gql, contactID)
	if err != nil {
		return nil, c.classify("consentProof", err)
	}
	return r.ConsentProof, nil
}
