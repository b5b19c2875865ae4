package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/user"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/graph/viewer"
	"github.com/vermerk/vermerk/server/internal/app"
	"github.com/vermerk/vermerk/server/internal/auth"
	"github.com/vermerk/vermerk/server/internal/config"
)

const tokenUsage = `usage:
  vermerk token create --name NAME --role STAFF|INTEGRATOR|ADMIN [--purpose KEY]... [--expires 2027-01-01]
  vermerk token list
  vermerk token revoke ID`

// runToken manages API tokens on the database directly, acting as the operator of the
// machine (audited as "cli").
func runToken(ctx context.Context, cfg config.Config, log *slog.Logger, args []string) error {
	return tokenCommand(ctx, cfg, log, args, os.Stdout)
}

func tokenCommand(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New("missing subcommand\n" + tokenUsage)
	}
	sub, args := args[0], args[1:]
	var run func(context.Context, *auth.Store, []string, io.Writer) error
	switch sub {
	case "create":
		run = tokenCreate
	case "list":
		run = tokenList
	case "revoke":
		run = tokenRevoke
	default:
		return fmt.Errorf("unknown subcommand %q\n%s", sub, tokenUsage)
	}
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close(context.WithoutCancel(ctx))
	ctx = viewer.With(ctx, &viewer.Viewer{TokenID: "cli", Name: "cli (" + osUser() + ")", Role: model.RoleAdmin})
	return explain(run(ctx, auth.New(a.DB, a.AdminToken, log), args, out))
}

func osUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "unknown user"
}

// explain shows caller errors as the GraphQL API would: field and message.
func explain(err error) error {
	var list apperr.List
	if errors.As(err, &list) {
		msgs := make([]string, len(list))
		for i, e := range list {
			msgs[i] = cliField(e)
		}
		return errors.New(strings.Join(msgs, "\n"))
	}
	if e, ok := apperr.As(err); ok {
		return errors.New(cliField(e))
	}
	return err
}

// cliField names the flag an input field comes from.
func cliField(e *apperr.Error) string {
	flags := map[string]string{"name": "--name", "role": "--role", "purposeKeys": "--purpose", "expiresAt": "--expires", "id": "ID"}
	field, _, _ := strings.Cut(e.Field, "[")
	if f, ok := flags[field]; ok {
		return f + ": " + e.Message
	}
	return e.Error()
}

type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, ",") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

func tokenCreate(ctx context.Context, tokens *auth.Store, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	name := fs.String("name", "", "who or what uses the token, e.g. newsletter-tool")
	role := fs.String("role", "", "STAFF, INTEGRATOR or ADMIN")
	expires := fs.String("expires", "", "expiry date (2027-01-01) or time (RFC 3339); default: never")
	var purposes repeated
	fs.Var(&purposes, "purpose", "purpose key an INTEGRATOR token is bound to (repeat for several)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q\n%s", fs.Args(), tokenUsage)
	}
	var expiresAt *time.Time
	if *expires != "" {
		t, err := parseExpiry(*expires)
		if err != nil {
			return err
		}
		expiresAt = &t
	}
	created, err := tokens.Create(ctx, *name, model.Role(strings.ToUpper(*role)), purposes, expiresAt)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "created %s token %q (id %s); the secret below is shown only now:\n",
		created.Token.Role, created.Token.Name, created.Token.ID)
	fmt.Fprintln(out, created.Secret)
	return nil
}

func parseExpiry(s string) (time.Time, error) {
	if t, err := time.ParseInLocation(time.DateOnly, s, time.Local); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("--expires: %q is neither a date like 2027-01-01 nor a time like 2027-01-01T12:00:00Z", s)
}

func tokenList(ctx context.Context, tokens *auth.Store, args []string, out io.Writer) error {
	if len(args) > 0 {
		return fmt.Errorf("token list takes no arguments\n%s", tokenUsage)
	}
	list, err := tokens.List(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tNAME\tROLE\tPURPOSES\tCREATED\tEXPIRES\tREVOKED\tLAST USED")
	for _, t := range list {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Role,
			orDash(strings.Join(t.PurposeKeys, ",")), t.CreatedAt.Local().Format(time.DateTime),
			when(t.ExpiresAt), when(t.RevokedAt), when(t.LastUsedAt))
	}
	return w.Flush()
}

func when(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Local().Format(time.DateTime)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func tokenRevoke(ctx context.Context, tokens *auth.Store, args []string, out io.Writer) error {
	if len(args) != 1 {
		return fmt.Errorf("token revoke needs exactly one token id (see token list)\n%s", tokenUsage)
	}
	t, err := tokens.Revoke(ctx, args[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "revoked token %q (id %s) at %s\n", t.Name, t.ID, when(t.RevokedAt))
	return nil
}
