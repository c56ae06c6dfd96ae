package bulk

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/sync/errgroup"

	"github.com/kommo-bulk/kommo-bulk/kommo"
	"github.com/kommo-bulk/kommo-bulk/mapping"
)

// SchemaEntities are the entity types whose custom fields FetchSchema
// reads.
var SchemaEntities = []kommo.EntityType{kommo.EntityLeads, kommo.EntityContacts, kommo.EntityCompanies}

// FetchSchema reads the account's schema: every user (all pages), the
// lead pipelines with their stages, the task types, current user and time
// zone (GET /account with task_types and datetime_settings) and the custom
// fields of leads, contacts and companies. It makes six requests or more
// (one per page of users and of fields), a few at a time, all behind the
// client's rate limiter, and returns the first error, with two
// exceptions that leave a note in Schema.Notes instead: GET /users is for
// administrators only, so its 403 gives a schema without users
// (Schema.UsersHidden: owners are matched by id only); and an account
// answer without a usable time zone gives UTC.
func FetchSchema(ctx context.Context, c *kommo.Client) (*mapping.Schema, error) {
	s := &mapping.Schema{Fields: map[kommo.EntityType][]*kommo.CustomField{}}
	fields := make([][]*kommo.CustomField, len(SchemaEntities))
	var zoneErr error
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(3)
	g.Go(func() error {
		for u, err := range c.Users.ListIter(ctx, &kommo.UserListOptions{ListOptions: kommo.ListOptions{Limit: kommo.MaxLimit}}) {
			if err != nil {
				if usersForbidden(err) {
					s.Users, s.UsersHidden = nil, true
					return nil
				}
				return err
			}
			s.Users = append(s.Users, u)
		}
		return nil
	})
	g.Go(func() error {
		ps, _, err := c.Pipelines.List(ctx)
		s.Pipelines = ps
		return err
	})
	g.Go(func() error {
		a, _, err := c.Account.Get(ctx, "task_types", "datetime_settings")
		if err != nil {
			return err
		}
		s.TaskTypes = a.Embedded.TaskTypes
		s.CurrentUserID = a.CurrentUserID
		s.Country = a.Country
		s.Location, zoneErr = a.TimeZone()
		return nil
	})
	for i, e := range SchemaEntities {
		g.Go(func() error {
			fs, err := c.CustomFields.All(ctx, e)
			fields[i] = fs
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for i, e := range SchemaEntities {
		s.Fields[e] = fields[i]
	}
	if s.UsersHidden {
		you := ""
		if s.CurrentUserID != 0 {
			you = fmt.Sprintf(" (this token acts as user id %d)", s.CurrentUserID)
		}
		s.Notes = append(s.Notes, "users: the account's user list is admin-only (GET /users answered 403)"+you+
			"; owners are matched by user id only, and owner names cannot be matched: use user ids or an admin token")
	}
	if zoneErr != nil {
		s.Notes = append(s.Notes, fmt.Sprintf("time zone: %v; dates are read and written in UTC, and date fields may show a day off", zoneErr))
	}
	return s, nil
}

// usersForbidden reports a 403 of GET /users that means "not an
// administrator" (Kommo: "Insufficient rights to call this method"), not
// a block of the account or IP, whose 403 is an HTML page and stops
// everything.
func usersForbidden(err error) bool {
	return errors.Is(err, kommo.ErrForbidden) && !errors.Is(err, kommo.ErrAccountBlocked)
}

// schemaIndex looks up a schema's names by id.
type schemaIndex struct {
	schema    *mapping.Schema
	users     map[int]*kommo.User
	pipelines map[int]*kommo.Pipeline
	statuses  map[[2]int]*kommo.Status // pipeline id, status id
	taskTypes map[int]string
	fields    map[kommo.EntityType]map[int]*kommo.CustomField
}

func newSchemaIndex(s *mapping.Schema) *schemaIndex {
	x := &schemaIndex{
		users:     map[int]*kommo.User{},
		pipelines: map[int]*kommo.Pipeline{},
		statuses:  map[[2]int]*kommo.Status{},
		taskTypes: map[int]string{},
		fields:    map[kommo.EntityType]map[int]*kommo.CustomField{},
	}
	if s == nil {
		s = &mapping.Schema{}
	}
	x.schema = s
	for _, u := range s.Users {
		x.users[u.ID] = u
	}
	for _, p := range s.Pipelines {
		x.pipelines[p.ID] = p
		for _, st := range p.Statuses() {
			x.statuses[[2]int{p.ID, st.ID}] = st
		}
	}
	for _, t := range s.TaskTypes {
		x.taskTypes[t.ID] = t.Name
	}
	for e, fs := range s.Fields {
		m := map[int]*kommo.CustomField{}
		for _, f := range fs {
			m[f.ID] = f
		}
		x.fields[e] = m
	}
	return x
}

func (x *schemaIndex) userName(id int) string {
	if u := x.users[id]; u != nil {
		return u.Name
	}
	return ""
}

func (x *schemaIndex) pipelineName(id int) string {
	if p := x.pipelines[id]; p != nil {
		return p.Name
	}
	return ""
}

func (x *schemaIndex) statusName(pipelineID, statusID int) string {
	if st := x.statuses[[2]int{pipelineID, statusID}]; st != nil {
		return st.Name
	}
	return ""
}
