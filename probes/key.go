package probes

// Key names the observation of one probe together with the type of its
// data. A producer declares its key beside the code that fills the data
//
//	var Keys = probes.Key[*KeysData]{ID: "matrix.federation.keys"}
//
// and consumers read through the key, so the compiler pairs producer and
// consumer: nobody asserts a type by hand, and a key cannot be read as
// another probe's data.
type Key[T any] struct {
	ID ID
}

// Of returns the observation of k's probe in r (nil when the probe did not
// run) and its data when the probe left data of type T — whatever its
// status, since a probe may record what it saw also when it fails.
func (k Key[T]) Of(r Results) (T, *Observation) {
	var zero T
	o := r.Get(k.ID)
	if o == nil {
		return zero, nil
	}
	d, ok := o.Data.(T)
	if !ok {
		return zero, o
	}
	return d, o
}

// OK returns k's data when its probe succeeded (StatusOK with data of
// type T).
func (k Key[T]) OK(r Results) (T, bool) {
	d, o := k.Of(r)
	if o == nil || o.Status != StatusOK || o.Data == nil {
		var zero T
		return zero, false
	}
	_, typed := o.Data.(T)
	return d, typed
}
