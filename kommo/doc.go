// Package kommo is a client for the Kommo (formerly amoCRM) REST API v4.
//
// A Client is built with NewClient from an account's base URL (or subdomain)
// and options. Each API area is a service on the Client (Leads, Contacts,
// Companies, Tasks, CustomFields, Pipelines, Users, Account, Tags, Events,
// Links, Notes), and every method has the same shape: a context, the inputs,
// and an options struct in; typed values, a *Response and an error out.
//
// Every request waits on the client's rate limiter (7 requests/s by default,
// Kommo's documented limit per IP) and on a sliding window that keeps any
// second of arrivals at 7 despite network jitter (see DefaultWindowMargin),
// so one Client per account keeps a job under the limit however many
// goroutines share it; WithSharedBudget extends the window to every process
// on the host. A 429 pauses every request of the client for the wait Kommo
// asks (retry_after); one longer than RetryPolicy.MaxElapsed is not waited
// out but returned as a *RetryLaterError that says until when.
//
// Errors from the API pass through one funnel, CheckResponse, which returns
// an *ErrorResponse (with Kommo's validation errors per request_id) or a
// *RateLimitError. They match the sentinel errors of this package with
// errors.Is (ErrNotFound, ErrRateLimited, ErrAccountBlocked, ...).
//
// List methods come in two forms: List returns one page, ListIter walks every
// page by following _links.next until Kommo answers 204 No Content.
//
// Credentials never leave the Authorization header: they are not logged, not
// put in URLs and not included in errors, and a Token prints as redacted.
package kommo
