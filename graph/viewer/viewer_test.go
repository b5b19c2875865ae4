package viewer

import (
	"context"
	"testing"

	"github.com/vermerk/vermerk/graph/model"
)

func TestActorAndChannel(t *testing.T) {
	for _, tc := range []struct {
		v                 *Viewer
		id, name, channel string
	}{
		{nil, "system", "system", "system"},
		{&Viewer{TokenID: "t1", Name: "Empfang", Role: model.RoleStaff}, "t1", "Empfang", "staff"},
		{&Viewer{TokenID: "t2", Name: "Admin", Role: model.RoleAdmin}, "t2", "Admin", "staff"},
		{&Viewer{TokenID: "t3", Name: "shop", Role: model.RoleIntegrator}, "t3", "shop", "api"},
	} {
		ctx := context.Background()
		if tc.v != nil {
			ctx = With(ctx, tc.v)
		}
		id, name := Actor(ctx)
		if id != tc.id || name != tc.name || Channel(ctx) != tc.channel {
			t.Errorf("%+v: Actor = %q, %q, Channel = %q; want %q, %q, %q", tc.v, id, name, Channel(ctx), tc.id, tc.name, tc.channel)
		}
	}
}
