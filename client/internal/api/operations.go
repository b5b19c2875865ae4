package api

import (
	"bufio"
	"bytes"
	"context"
	"io"
)

// The methods below are the app's view of the server: one call per operation, errors
// classified (see Error), optional arguments as plain values ("" or 0 means absent).

func (c *Client) Me(ctx context.Context) (Viewer, error) {
	r, err := Me(ctx, c.gql)
	if err != nil {
		return Viewer{}, c.classify("me", err)
	}
	return r.Me, nil
}

func (c *Client) SearchContacts(ctx context.Context, search string, first int, after string) (ContactPage, error) {
	r, err := SearchContacts(ctx, c.gql, optString(search), optInt(first), optString(after))
	if err != nil {
		return ContactPage{}, c.classify("contacts", err)
	}
	return r.Contacts, nil
}

func (c *Client) Contact(ctx context.Context, id string) (ContactDetail, error) {
	r, err := GetContact(ctx, c.gql, id)
	if err != nil {
		return ContactDetail{}, c.classify("contact", err)
	}
	if r.Contact == nil {
		return ContactDetail{}, &Error{Op: "contact", Code: "NOT_FOUND", Message: "contact " + id + " does not exist (erased?)"}
	}
	return *r.Contact, nil
}

func (c *Client) CreateContact(ctx context.Context, in ContactInput, override *OverrideInput) (ContactPayloadFields, error) {
	r, err := CreateContact(ctx, c.gql, in, override)
	if err != nil {
		return ContactPayloadFields{}, c.classify("createContact", err)
	}
	return r.CreateContact, nil
}

func (c *Client) UpdateContact(ctx context.Context, id string, in ContactInput, override *OverrideInput) (ContactPayloadFields, error) {
	r, err := UpdateContact(ctx, c.gql, id, in, override)
	if err != nil {
		return ContactPayloadFields{}, c.classify("updateContact", err)
	}
	return r.UpdateContact, nil
}

func (c *Client) Screen(ctx context.Context, candidate ContactInput) (ScreeningFields, error) {
	r, err := Screen(ctx, c.gql, candidate)
	if err != nil {
		return ScreeningFields{}, c.classify("screen", err)
	}
	return r.Screen, nil
}

func (c *Client) Purposes(ctx context.Context) ([]PurposeFields, error) {
	r, err := Purposes(ctx, c.gql)
	if err != nil {
		return nil, c.classify("purposes", err)
	}
	return r.Purposes, nil
}

func (c *Client) Lists(ctx context.Context) ([]ListFields, error) {
	r, err := Lists(ctx, c.gql)
	if err != nil {
		return nil, c.classify("lists", err)
	}
	return r.Lists, nil
}

func (c *Client) RecordConsent(ctx context.Context, in ConsentInput) (ConsentFields, error) {
	r, err := RecordConsent(ctx, c.gql, in)
	if err != nil {
		return ConsentFields{}, c.classify("recordConsent", err)
	}
	return r.RecordConsent, nil
}

func (c *Client) RevokeConsent(ctx context.Context, in RevocationInput) (ConsentFields, error) {
	r, err := RevokeConsent(ctx, c.gql, in)
	if err != nil {
		return ConsentFields{}, c.classify("revokeConsent", err)
	}
	return r.RevokeConsent, nil
}

// PreviewBytes is how much of a file PreviewImport sends: enough for the header and the
// first rows, cut at a line end.
const PreviewBytes = 64 << 10

func (c *Client) PreviewImport(ctx context.Context, file Upload) (ImportPreview, error) {
	head, err := io.ReadAll(io.LimitReader(file.Body, PreviewBytes))
	if err != nil {
		return ImportPreview{}, c.classify("previewImport", err)
	}
	if len(head) == PreviewBytes {
		if i := bytes.LastIndexByte(head, '\n'); i > 0 {
			head = head[:i+1]
		}
	}
	r, err := PreviewImport(ctx, c.gql, Upload{FileName: file.FileName, Body: bufio.NewReader(bytes.NewReader(head))})
	if err != nil {
		return ImportPreview{}, c.classify("previewImport", err)
	}
	return r.PreviewImport, nil
}

func (c *Client) StartImport(ctx context.Context, file Upload, listKey string) (ImportJobFields, error) {
	r, err := StartImport(ctx, c.gql, file, optString(listKey))
	if err != nil {
		return ImportJobFields{}, c.classify("startImport", err)
	}
	return r.StartImport, nil
}

func (c *Client) DecideImportRow(ctx context.Context, jobID string, line int, accept bool, reason string) (ImportJobFields, error) {
	r, err := DecideImportRow(ctx, c.gql, jobID, line, accept, optString(reason))
	if err != nil {
		return ImportJobFields{}, c.classify("decideImportRow", err)
	}
	return r.DecideImportRow, nil
}

func (c *Client) ImportJob(ctx context.Context, id string) (ImportJobFields, error) {
	r, err := GetImportJob(ctx, c.gql, id)
	if err != nil {
		return ImportJobFields{}, c.classify("importJob", err)
	}
	if r.ImportJob == nil {
		return ImportJobFields{}, &Error{Op: "importJob", Code: "NOT_FOUND", Message: "import job " + id + " does not exist"}
	}
	return *r.ImportJob, nil
}

func (c *Client) Blacklist(ctx context.Context, first int, after string) (BlacklistPage, error) {
	r, err := Blacklist(ctx, c.gql, optInt(first), optString(after))
	if err != nil {
		return BlacklistPage{}, c.classify("blacklist", err)
	}
	return r.Blacklist, nil
}

// EraseContact erases a person everywhere (ADMIN) and returns the receipt.
func (c *Client) EraseContact(ctx context.Context, id, reason string) (ErasureReceipt, error) {
	r, err := EraseContact(ctx, c.gql, id, reason)
	if err != nil {
		return ErasureReceipt{}, c.classify("eraseContact", err)
	}
	return r.EraseContact, nil
}

// BlacklistRemove lifts a blacklist entry (ADMIN) with an audited reason.
func (c *Client) BlacklistRemove(ctx context.Context, id, reason string) (BlacklistEntryFields, error) {
	r, err := BlacklistRemove(ctx, c.gql, id, reason)
	if err != nil {
		return BlacklistEntryFields{}, c.classify("blacklistRemove", err)
	}
	return r.BlacklistRemove, nil
}

// ConsentProof is the person's consent ledger, oldest first.
func (c *Client) ConsentProof(ctx context.Context, contactID string) ([]ProofEvent, error) {
	r, err := ConsentProof(ctx, c.gql, contactID)
	if err != nil {
		return nil, c.classify("consentProof", err)
	}
	return r.ConsentProof, nil
}

func (c *Client) CreatePurpose(ctx context.Context, in PurposeInput) (PurposeFields, error) {
	r, err := CreatePurpose(ctx, c.gql, in)
	if err != nil {
		return PurposeFields{}, c.classify("createPurpose", err)
	}
	return r.CreatePurpose, nil
}

func (c *Client) CreateList(ctx context.Context, in ListInput) (ListFields, error) {
	r, err := CreateList(ctx, c.gql, in)
	if err != nil {
		return ListFields{}, c.classify("createList", err)
	}
	return r.CreateList, nil
}

func (c *Client) AddToList(ctx context.Context, contactID, listKey string) error {
	if _, err := AddToList(ctx, c.gql, contactID, listKey); err != nil {
		return c.classify("addToList", err)
	}
	return nil
}

func (c *Client) BlacklistAdd(ctx context.Context, candidate ContactInput, reason string) (BlacklistEntryFields, error) {
	r, err := BlacklistAdd(ctx, c.gql, candidate, reason)
	if err != nil {
		return BlacklistEntryFields{}, c.classify("blacklistAdd", err)
	}
	return r.BlacklistAdd, nil
}
