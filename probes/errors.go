package probes

import (
	"errors"
	"fmt"
)

// Err is an error that says which observation status it maps to: a step of
// a probe (a dial, a STARTTLS exchange, a stream read) returns one, and the
// probe reports Status with the error's text as the reason.
type Err struct {
	Status Status
	Err    error
}

func (e *Err) Error() string { return e.Err.Error() }
func (e *Err) Unwrap() error { return e.Err }

// Errorf returns an *Err with status st and a message formatted as by
// fmt.Errorf (so %w wraps).
func Errorf(st Status, format string, a ...any) error {
	return &Err{Status: st, Err: fmt.Errorf(format, a...)}
}

// StatusOf classifies err: an *Err in its chain gives its status; any other
// error is classified as a network error (ClassifyNetError).
func StatusOf(err error) Status {
	var e *Err
	if errors.As(err, &e) {
		return e.Status
	}
	return ClassifyNetError(err)
}
