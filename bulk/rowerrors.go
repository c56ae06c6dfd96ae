package bulk

// rowErrors is the error of a row the mapping failed: its errors'
// texts joined with "; ", as before, and the errors themselves (each a
// *sheet.RowError with its code and parameters) for errors.As and for
// a front end that renders them in its language.
type rowErrors struct {
	msg  string
	errs []error
}

func (e *rowErrors) Error() string { return e.msg }

// Unwrap returns the row's errors.
func (e *rowErrors) Unwrap() []error { return e.errs }
