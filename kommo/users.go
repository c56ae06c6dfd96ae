package kommo

import (
	"context"
	"encoding/json"
	"iter"
	"net/url"
	"strconv"
)

// UsersService reads the account's users.
//
// Kommo API docs: https://developers.kommo.com/reference/users-list
type UsersService service

// User is a user of the account.
type User struct {
	ID       int             `json:"id"`
	Name     string          `json:"name"`
	Email    string          `json:"email"`
	Lang     string          `json:"lang"`
	Rights   json.RawMessage `json:"rights,omitempty"`
	Links    Links           `json:"_links"`
	Embedded struct {
		Roles  []json.RawMessage `json:"roles,omitempty"`
		Groups []json.RawMessage `json:"groups,omitempty"`
	} `json:"_embedded"`
}

// UserListOptions page the users list. With: "role", "group", "uuid",
// "amojo_id", "user_rank", "phone_number".
type UserListOptions struct {
	ListOptions
	With []string
}

func (o *UserListOptions) values() url.Values {
	q := url.Values{}
	if o == nil {
		return q
	}
	o.ListOptions.encode(q)
	setWith(q, o.With)
	return q
}

// List returns one page of users.
//
// Kommo API docs: https://developers.kommo.com/reference/users-list
func (s *UsersService) List(ctx context.Context, opts *UserListOptions) ([]*User, *Response, error) {
	return getList[User](ctx, s.client, "list users", "api/v4/users", "users", opts.values())
}

// ListIter walks every page of users.
//
// Kommo API docs: https://developers.kommo.com/reference/users-list
func (s *UsersService) ListIter(ctx context.Context, opts *UserListOptions) iter.Seq2[*User, error] {
	return iterate[User](ctx, s.client, "list users", "api/v4/users", "users", opts.values())
}

// Get returns one user.
//
// Kommo API docs: https://developers.kommo.com/reference/get-user-by-id
func (s *UsersService) Get(ctx context.Context, id int, with ...string) (*User, *Response, error) {
	q := url.Values{}
	setWith(q, with)
	return getOne[User](ctx, s.client, "get user", "api/v4/users/"+strconv.Itoa(id), q)
}
