package kommo

import (
	"context"
	"encoding/json"
	"net/url"
)

// AccountService reads the account the client is connected to.
//
// Kommo API docs: https://developers.kommo.com/reference/account-parameters
type AccountService service

// Account is the account's parameters. TaskTypes and UsersGroups are filled
// when asked for in With ("task_types", "users_groups").
type Account struct {
	ID             int       `json:"id"`
	Name           string    `json:"name"`
	Subdomain      string    `json:"subdomain"`
	CreatedAt      LooseTime `json:"created_at"`
	CreatedBy      int       `json:"created_by"`
	UpdatedAt      LooseTime `json:"updated_at"`
	UpdatedBy      int       `json:"updated_by"`
	CurrentUserID  int       `json:"current_user_id"`
	Country        string    `json:"country"`
	Currency       string    `json:"currency"`
	CurrencySymbol string    `json:"currency_symbol"`
	// IsAPIFilterEnabled is filled with "is_api_filter_enabled" in With.
	IsAPIFilterEnabled bool  `json:"is_api_filter_enabled,omitempty"`
	Links              Links `json:"_links"`
	Embedded           struct {
		TaskTypes   []TaskType        `json:"task_types,omitempty"`
		UsersGroups []json.RawMessage `json:"users_groups,omitempty"`
	} `json:"_embedded"`
}

// TaskType is a task type (1 follow-up, 2 meeting, or a custom one).
type TaskType struct {
	ID     int    `json:"id"`
	Name   string `json:"name"`
	Color  string `json:"color,omitempty"`
	IconID int    `json:"icon_id,omitempty"`
	Code   string `json:"code,omitempty"`
}

// Get returns the account. With: "amojo_id", "amojo_rights",
// "users_groups", "task_types", "version", "datetime_settings",
// "invoices_settings", "is_api_filter_enabled", "drive_url".
//
// Kommo API docs: https://developers.kommo.com/reference/account-parameters
func (s *AccountService) Get(ctx context.Context, with ...string) (*Account, *Response, error) {
	q := url.Values{}
	setWith(q, with)
	return getOne[Account](ctx, s.client, "get account", "api/v4/account", q)
}
